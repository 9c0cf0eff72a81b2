// Options of the commands that run a checkpoint in a fresh environment (verify-unpickling, log-run): their
// declaration (for parsing and --help) and their reading, in one place.
import { byteProgress } from "./shared/progress.ts";
import { UsageError, type OptionSpec, type OptionValues } from "./shared/command.ts";
import { entriesOption } from "./shared/options.ts";
import { defaultCacheDir } from "../checkpoint/cache.ts";
import { resolveCheckpoint, type CheckpointFile } from "../checkpoint/resolve.ts";
import { isStdlibModule } from "../pickle/stdlib-modules.ts";
import type { EnvironmentSettings } from "../environment/prepare.ts";

export const environmentOptions = {
  python: { type: "string", valueName: "PATH", description: "Python interpreter for the environment", default: "python3" },
  "index-url": { type: "string", valueName: "URL", description: "package index (pip --index-url)" },
  "extra-index-url": {
    type: "string",
    valueName: "URL",
    multiple: true,
    description: "additional package index, e.g. https://download.pytorch.org/whl/cpu (repeatable)",
  },
  "find-links": { type: "string", valueName: "DIR", multiple: true, description: "folder of wheels (repeatable)" },
  offline: { type: "boolean", description: "use no package index, only --find-links and --system-site-packages" },
  "system-site-packages": { type: "boolean", description: "let the environment see the interpreter's packages (e.g. a system torch)" },
  "keep-local-labels": { type: "boolean", description: "keep local version labels such as +cu126 in pins" },
  "keep-env": { type: "boolean", description: "keep the environment for inspection" },
  "allow-unsafe": {
    type: "boolean",
    description: "start Python even when the scan does not call the pickle safe (the loader still refuses what the reviewed list does not allow)",
  },
  "allow-package": {
    type: "string",
    valueName: "PKG",
    multiple: true,
    description: "a package whose public classes may be unpickled besides the reviewed list's, e.g. your own model code (repeatable)",
  },
  "allow-source-requirements": {
    type: "boolean",
    description: "install the checkpoint's git, URL and path requirements, building them (refused by default; wheels only)",
  },
  "no-sandbox": {
    type: "boolean",
    description: "run the checkpoint and pip without bubblewrap (no network or file-system confinement; process group and limits only)",
  },
  "environment-cache": {
    type: "string",
    valueName: "DIR",
    description:
      "keep each finished environment in DIR and reuse it for the same install (interpreter, requirements, package source); only ever read after it is made; remove DIR when nothing runs to free it",
  },
  "cache-dir": { type: "string", valueName: "DIR", description: "download cache", default: defaultCacheDir() },
  "max-bytes": {
    type: "number",
    accept: "positive integer",
    valueName: "BYTES",
    description: "largest download of a URL given without an entry; an entry's sizeBytes is exact (default: 64 GiB)",
  },
  "allow-private-network": { type: "boolean", description: "download from loopback and private addresses too (for tests and closed networks)" },
  entries: entriesOption,
} as const satisfies Record<string, OptionSpec>;

type EnvironmentOptionValues = OptionValues<typeof environmentOptions>;

/** A third-party package name; Python's standard library cannot be allowed (its gadgets are what attacks use). */
function checkedPackages(names: readonly string[]): string[] {
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name))
      throw new UsageError(`--allow-package takes a package name such as my_models, got "${name}"`);
    if (isStdlibModule(name.split(".")[0]!))
      throw new UsageError(`--allow-package ${name}: Python's standard library cannot be allowed; only a third-party package you reviewed`);
  }
  return [...names];
}

export function environmentSettings(options: EnvironmentOptionValues, log: (m: string) => void): EnvironmentSettings {
  return {
    python: options.python,
    source: {
      ...(options["index-url"] ? { indexUrl: options["index-url"] } : {}),
      extraIndexUrls: options["extra-index-url"],
      findLinks: options["find-links"],
      offline: options.offline,
    },
    systemSitePackages: options["system-site-packages"],
    keepEnv: options["keep-env"],
    allowUnsafe: options["allow-unsafe"],
    allowPackages: checkedPackages(options["allow-package"]),
    allowSourceRequirements: options["allow-source-requirements"],
    noSandbox: options["no-sandbox"],
    keepLocalLabels: options["keep-local-labels"],
    environmentCache: options["environment-cache"],
    log,
  };
}

/** The checkpoint file the command runs: an entry id, a local file, or a URL, downloaded with a progress bar. */
export async function checkpointFile(target: string, options: EnvironmentOptionValues): Promise<CheckpointFile> {
  const progress = byteProgress(`downloading ${target}`, undefined);
  try {
    return await resolveCheckpoint(target, {
      entriesDir: options.entries,
      cacheDir: options["cache-dir"],
      ...(options["max-bytes"] ? { maxBytes: options["max-bytes"] } : {}),
      timeoutMs: 60_000,
      allowPrivateNetwork: options["allow-private-network"],
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.finish();
  }
}
