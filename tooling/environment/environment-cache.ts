// Environments kept between runs (--environment-cache DIR). verify-unpickling, log-run and the float64 reference
// run of one checkpoint install the same requirements, often torch and anemoi (gigabytes, minutes), and so do the
// variants of one model: an environment is made once per exact install and reused. The key is everything that
// decides what an install puts there: the base interpreter (its real path and version), the requirement set in
// order, the package source (indexes, and the names, sizes and times of the wheels in local folders), wheels only
// or builds allowed, system site packages, the installer, and whether it ran in the sandbox.
// Only a finished, successful install is kept. It is never written again: every later step mounts it
// read-only, and what is installed is read from it afresh by the host on every run (installedFacts), so the
// record's facts stay the host's own. One process builds an entry while holding `<key>.lock`; another that finds
// it held makes a private environment as if there were no cache. A build cut short (SIGKILL) leaves a folder
// without its `<key>.json`, rebuilt by the next run that takes the lock. Nothing is ever deleted while in use:
// remove the folder when no verification runs, to free its space or to pick up newer versions of what the
// requirements leave unpinned.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { lchown, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { takeExclusiveLock, type ExclusiveLock } from "../../src/files/exclusive-lock.ts";
import { errorMessage } from "../../src/errors.ts";
import { jsonObject } from "../../src/text/json-object.ts";
import type { PackageSource, PythonEnvironment } from "./python-env.ts";
import { findOnPath } from "./sandbox.ts";

/** Changes when what an entry holds, or how it is keyed, changes. */
const formatVersion = 1;
/** The most wheel-folder entries that go into a key; a bigger folder is not cached against. */
const maxListedFiles = 10_000;

export interface EnvironmentKeyInput {
  /** The base interpreter as the user named it (a path, or a name on PATH). */
  python: string;
  pythonVersion: string;
  systemSitePackages: boolean;
  requirements: readonly string[];
  source: PackageSource;
  allowBuilds: boolean;
  sandbox: boolean;
}

/** A local folder's wheels, by name, size and modification time: a changed wheelhouse is another install. */
function listing(dir: string): Array<[string, number, number]> | undefined {
  try {
    const names = readdirSync(dir).sort();
    if (names.length > maxListedFiles) return undefined;
    return names.map((name) => {
      const stat = statSync(join(dir, name));
      return [name, stat.size, Math.trunc(stat.mtimeMs)];
    });
  } catch {
    return undefined;
  }
}

/** The entry's name for this install, or undefined when it cannot be keyed exactly (then nothing is cached). */
export function environmentKey(input: EnvironmentKeyInput): string | undefined {
  const named = isAbsolute(input.python) || input.python.includes("/") ? resolve(input.python) : findOnPath(input.python);
  if (!named) return undefined;
  let interpreter: string;
  try {
    interpreter = realpathSync(named);
  } catch {
    return undefined;
  }
  const folders: Array<[string, Array<[string, number, number]>]> = [];
  for (const location of [input.source.indexUrl, ...input.source.extraIndexUrls, ...input.source.findLinks]) {
    if (location === undefined || /^[a-z][a-z0-9+.-]*:/i.test(location)) continue;
    const files = listing(resolve(location));
    if (!files) return undefined;
    folders.push([resolve(location), files]);
  }
  const described = {
    formatVersion,
    interpreter,
    pythonVersion: input.pythonVersion,
    systemSitePackages: input.systemSitePackages,
    installer: findOnPath("uv") ? "uv" : "pip",
    requirements: input.requirements,
    source: { ...input.source, findLinks: input.source.findLinks.map((dir) => (/^[a-z][a-z0-9+.-]*:/i.test(dir) ? dir : resolve(dir))) },
    folders,
    allowBuilds: input.allowBuilds,
    sandbox: input.sandbox,
  };
  return createHash("sha256").update(JSON.stringify(described)).digest("hex").slice(0, 32);
}

/** What an entry's `<key>.json` keeps of the environment beside its folder. */
interface EntryRecord {
  tool: PythonEnvironment["tool"];
  pipFrom?: string;
  readOnly: string[];
  createdAt: string;
}

function readEntry(cacheDir: string, key: string): PythonEnvironment | undefined {
  const dir = join(cacheDir, key);
  try {
    const record = jsonObject(JSON.parse(readFileSync(join(cacheDir, `${key}.json`), "utf8")));
    const readOnly = record?.readOnly;
    if (!record || (record.tool !== "uv" && record.tool !== "venv") || !Array.isArray(readOnly) || !readOnly.every((p) => typeof p === "string"))
      return undefined;
    const python = join(dir, "bin", "python");
    if (!existsSync(python)) return undefined;
    return {
      dir,
      python,
      tool: record.tool,
      pipFrom: typeof record.pipFrom === "string" ? record.pipFrom : undefined,
      readOnly: readOnly as string[],
      cached: true,
      // Kept for the next run.
      dispose: async () => {},
    };
  } catch {
    return undefined;
  }
}

/**
 * Under root the install ran as the sandbox's uid, which owns what it wrote: a kept environment goes back to
 * root, so that no process of that uid (every sandbox's) could change it later, wherever it ran.
 */
async function takeBack(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await lchown(path, 0, 0);
  const info = await lstat(path);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await takeBack(join(path, entry));
}

/** The outcome of looking an install up. */
export type CacheLookup =
  | { kind: "hit"; env: PythonEnvironment }
  /** This process builds the entry: make the environment in `dir`, then `commit` it, or `abandon` on failure. */
  | { kind: "build"; dir: string; commit(env: PythonEnvironment): Promise<void>; abandon(): Promise<void> }
  /** Another process is building it, or the cache cannot be used: make a private environment. */
  | { kind: "private"; why: string };

export class EnvironmentCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async lookup(key: string): Promise<CacheLookup> {
    const found = readEntry(this.dir, key);
    if (found) return { kind: "hit", env: found };
    let lock: ExclusiveLock | "held";
    try {
      await mkdir(this.dir, { recursive: true });
      lock = takeExclusiveLock(join(this.dir, `${key}.lock`));
    } catch (error) {
      return { kind: "private", why: `the environment cache ${this.dir} cannot be used: ${errorMessage(error)}` };
    }
    if (lock === "held") return { kind: "private", why: `another process is making this environment in ${this.dir}` };
    const held = lock;
    // Finished by another process between the first look and the lock.
    const finished = readEntry(this.dir, key);
    if (finished) {
      held.release();
      return { kind: "hit", env: finished };
    }
    const dir = join(this.dir, key);
    try {
      // What a build cut short left behind.
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      held.release();
      return { kind: "private", why: `cannot clear ${dir}: ${errorMessage(error)}` };
    }
    return {
      kind: "build",
      dir,
      commit: async (env) => {
        try {
          await takeBack(dir);
          const record: EntryRecord = {
            tool: env.tool,
            ...(env.pipFrom !== undefined ? { pipFrom: env.pipFrom } : {}),
            readOnly: env.readOnly,
            createdAt: new Date().toISOString(),
          };
          await writeFileAtomic(join(this.dir, `${key}.json`), `${JSON.stringify(record, null, 2)}\n`);
        } finally {
          held.release();
        }
      },
      abandon: async () => {
        try {
          await rm(dir, { recursive: true, force: true });
        } finally {
          held.release();
        }
      },
    };
  }
}
