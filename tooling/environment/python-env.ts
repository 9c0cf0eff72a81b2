// A fresh virtual environment in a temporary folder: uv when it is on PATH (fast), else `python -m venv`. The
// environment gets no pip of its own when the base interpreter's pip can install into it (`pip --python`, pip
// 22.3 or later): copying pip into each new environment cost 4-5 s of CPU each time (15 % of the test suite's).
// Requirements are installed from the chosen package source only, wheels only unless source
// requirements were allowed, inside the same sandbox as the checkpoint's code: a package's build runs code
// of its own, and it may write nothing but the environment. Then, before anything loads, the host reads what
// was installed (installedFacts), and a failed install is classified: the checkpoint's (its requirements
// conflict) or the host's (no index reachable, no wheel or version on the configured index, a full disk).
import { realpathSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { VerificationStatus } from "../../src/contract/records/verification.ts";
import { RegistryError, errorMessage } from "../../src/errors.ts";
import { strangerText } from "../../src/text/control.ts";
import { pythonScript } from "../repo.ts";
import { findOnPath, runSandboxed } from "./sandbox.ts";

export interface PackageSource {
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
  offline: boolean;
}

export interface EnvironmentOptions {
  python: string;
  systemSitePackages: boolean;
  keep: boolean;
  /** The folder to make it in (an entry of the environment cache), instead of a new temporary one. */
  at?: string | undefined;
}

export interface PythonEnvironment {
  dir: string;
  python: string;
  tool: "uv" | "venv";
  /** The base interpreter whose pip installs into an environment made without pip (`-m pip --python`). */
  pipFrom?: string | undefined;
  /** What its interpreter reads outside `dir`: the base installation (sys.base_prefix), for the sandbox. */
  readOnly: string[];
  /** Kept in the environment cache: made by an earlier run, never written again. */
  cached?: boolean;
  dispose(): Promise<void>;
}

export class EnvironmentError extends RegistryError {}

async function onPath(command: string): Promise<boolean> {
  const result = await execa(command, ["--version"], { reject: false });
  return result.exitCode === 0;
}

export async function pythonVersion(python: string): Promise<string> {
  const result = await execa(python, ["-c", "import platform; print(platform.python_version())"], { reject: false });
  if (result.exitCode !== 0)
    throw new EnvironmentError(
      `cannot run Python "${python}": ${
        String(result.stderr || result.message)
          .split("\n")
          .slice(-1)[0]
      }`,
    );
  return String(result.stdout).trim();
}

/**
 * Whether `python -m pip` is pip 22.3 or later, the first that installs into another interpreter's environment.
 * Isolated (`-I`): neither the working folder nor PYTHON* variables can put another `pip` in its place.
 */
async function pipInstallsElsewhere(python: string): Promise<boolean> {
  const result = await execa(python, ["-I", "-m", "pip", "--version"], { reject: false, timeout: 60_000, env: { PIP_DISABLE_PIP_VERSION_CHECK: "1" } });
  const [major = 0, minor = 0] = /^pip (\d+)\.(\d+)/.exec(String(result.stdout))?.slice(1).map(Number) ?? [];
  return result.exitCode === 0 && (major > 22 || (major === 22 && minor >= 3));
}

export async function createEnvironment(options: EnvironmentOptions): Promise<PythonEnvironment> {
  const dir = options.at ?? (await mkdtemp(join(tmpdir(), "fiab-verify-env-")));
  const python = join(dir, "bin", "python");
  const useUv = await onPath("uv");
  const withoutPip = !useUv && (await pipInstallsElsewhere(options.python));
  const site = options.systemSitePackages ? ["--system-site-packages"] : [];
  const result = useUv
    ? await execa("uv", ["venv", "--python", options.python, ...site, dir], { reject: false })
    : await execa(options.python, ["-m", "venv", ...site, ...(withoutPip ? ["--without-pip"] : []), dir], { reject: false });
  const dispose = async () => {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  };
  // mkdtemp's 0700 would keep the sandbox's own uid out when the registry runs as root.
  if (result.exitCode === 0) await chmod(dir, 0o755);
  if (result.exitCode !== 0) {
    await dispose();
    throw new EnvironmentError(
      `cannot create a virtual environment with ${useUv ? "uv" : `${options.python} -m venv`}: ${String(result.stderr).trim().split("\n").slice(-3).join(" ")}`,
    );
  }
  const base = await execa(python, ["-c", "import json, sys; print(json.dumps(sorted({sys.base_prefix, sys.base_exec_prefix})))"], { reject: false });
  if (base.exitCode !== 0) {
    await dispose();
    throw new EnvironmentError(`the new environment's Python does not run: ${String(base.stderr).trim().split("\n").slice(-1)[0]}`);
  }
  // The base interpreter itself (the environment's python links to it), which the sandbox can read: it lies under
  // the base installation, mounted read-only.
  const pipFrom = withoutPip ? realpathSync(python) : undefined;
  return { dir, python, tool: useUv ? "uv" : "venv", pipFrom, readOnly: JSON.parse(String(base.stdout)) as string[], dispose };
}

function sourceArgs(source: PackageSource): string[] {
  const args: string[] = [];
  if (source.offline) args.push("--no-index");
  else if (source.indexUrl) args.push("--index-url", source.indexUrl);
  if (!source.offline) for (const url of source.extraIndexUrls) args.push("--extra-index-url", url);
  // The installer runs in another working folder: a relative wheel folder is made absolute here.
  for (const dir of source.findLinks) args.push("--find-links", /^[a-z][a-z0-9+.-]*:/i.test(dir) ? dir : resolve(dir));
  return args;
}

/** The local folders of a package source (find-links folders, file: indexes), which the installer must read. */
function localSources(source: PackageSource): string[] {
  const paths: string[] = [];
  for (const location of [source.indexUrl, ...source.extraIndexUrls, ...source.findLinks]) {
    if (location === undefined) continue;
    if (/^file:/i.test(location)) paths.push(fileURLToPath(location));
    else if (!/^[a-z][a-z0-9+.-]*:/i.test(location)) paths.push(resolve(location));
  }
  return paths;
}

/** uv's own file (a binary anywhere on PATH), run by its full path and readable in the sandbox. */
function uvBinary(): string {
  const found = findOnPath("uv");
  return found ? realpathSync(found) : "uv";
}

/** Environment variables an installer may need from ours: proxies and certificates, nothing else. */
const passedOn = /^(https?_proxy|no_proxy|all_proxy|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)$/i;

export interface InstallOptions {
  timeoutMs: number;
  /** false only on --no-sandbox. */
  sandbox: boolean;
  memoryLimitMiB?: number | undefined;
  /** --allow-source-requirements: let the installer build from source (sdists, git), still in the sandbox. */
  allowBuilds: boolean;
}

/** Whose failure a failed install is, and whether it would fail again the same way. */
export interface InstallFailureKind {
  status: Extract<VerificationStatus, "install-failed" | "environment-error">;
  fault: "checkpoint" | "environment";
  deterministic: boolean;
  /** In a few words, what the log shows. */
  cause: string;
}

/** An install that worked, or one that failed with its reason and whose failure it is. */
export type InstallOutcome =
  | { ok: true; log: string; reason?: undefined; failure?: undefined }
  | {
      ok: false;
      /** pip's own explanation (its last error lines). */
      reason: string;
      log: string;
      failure: InstallFailureKind;
    };

/** The host's side: the index could not be reached, or does not hold what was asked for, or the machine failed. */
const environmentCauses: Array<[RegExp, string]> = [
  [
    /NewConnectionError|Failed to establish a new connection|Connection refused|ConnectTimeout|Max retries exceeded|Temporary failure in name resolution|Name or service not known|Network is unreachable|No route to host|Could not fetch URL|ProxyError|SSLError|error sending request|tcp connect error|dns error|Failed to fetch/i,
    "the package index could not be reached",
  ],
  [
    /No matching distribution found|Could not find a version that satisfies|from versions: none|there is no version of|not found in the package registry|no wheels with a matching|has no wheels|requires a different Python/i,
    "the configured index or wheel folder does not hold a version or wheel the requirements name",
  ],
  [/No space left on device|Errno 28|ENOSPC|Disk quota exceeded/i, "the disk is full"],
  [/MemoryError|Cannot allocate memory|out of memory/i, "the installer ran out of memory"],
];
/** The checkpoint's side: the versions it pins cannot be installed together, whatever the index holds. */
const conflict =
  /ResolutionImpossible|conflicting dependencies|these package versions have conflicting|because .* depends on .* and you require|we can conclude that your requirements are unsatisfiable/i;

/**
 * Whose failure pip's (or uv's) is, from its log. The checkpoint is blamed only for a conflict among its own
 * pins; anything the host could cause (the index, the wheels it holds, the disk, the memory, a timeout, pip
 * failing in a way it does not explain) is the environment's, and is never evidence about the checkpoint.
 */
export function classifyInstallFailure(log: string, outcome: { timedOut: boolean; signal?: string | undefined }): InstallFailureKind {
  const environment = (cause: string): InstallFailureKind => ({ status: "environment-error", fault: "environment", deterministic: false, cause });
  if (outcome.timedOut) return environment("the installer did not finish within its time limit");
  if (outcome.signal === "SIGKILL") return environment("the installer was killed (the host's out-of-memory killer, or an operator)");
  for (const [pattern, cause] of environmentCauses) if (pattern.test(log)) return environment(cause);
  if (conflict.test(log)) return { status: "install-failed", fault: "checkpoint", deterministic: true, cause: "the checkpoint's requirements conflict" };
  return environment("the installer failed without naming a cause");
}

export async function installRequirements(
  env: PythonEnvironment,
  requirements: readonly string[],
  source: PackageSource,
  options: InstallOptions,
): Promise<InstallOutcome> {
  if (requirements.length === 0) return { ok: true, log: "" };
  const wheelsOnly = options.allowBuilds ? [] : env.tool === "uv" ? ["--no-build"] : ["--only-binary", ":all:"];
  const uv = env.tool === "uv" ? uvBinary() : undefined;
  const command =
    uv !== undefined
      ? [uv, "pip", "install", "--python", env.python, "--no-cache", ...wheelsOnly, ...sourceArgs(source), ...requirements]
      : [
          ...(env.pipFrom !== undefined ? [env.pipFrom, "-m", "pip", "--python", env.python] : [env.python, "-m", "pip"]),
          "install",
          "--no-input",
          "--disable-pip-version-check",
          "--no-cache-dir",
          "--progress-bar",
          "off",
          ...wheelsOnly,
          ...sourceArgs(source),
          ...requirements,
        ];
  const ours = Object.fromEntries(Object.entries(process.env).filter(([name]) => passedOn.test(name)));
  // Downloads go to the environment's folder on disk, not to the sandbox's scratch, which is memory.
  const downloads = join(env.dir, ".install-tmp");
  await mkdir(downloads, { recursive: true });
  const result = await runSandboxed(command, {
    sandbox: options.sandbox,
    python: env.python,
    // HOME in the sandbox's scratch: no cache, no user configuration, nothing kept.
    env: {
      ...ours,
      PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`,
      TMPDIR: downloads,
      LANG: "C.UTF-8",
      PIP_NO_INPUT: "1",
      PIP_NO_CACHE_DIR: "1",
      UV_NO_CACHE: "1",
      UV_PYTHON_DOWNLOADS: "never",
    },
    timeoutMs: options.timeoutMs,
    memoryLimitMiB: options.memoryLimitMiB,
    readOnly: [...env.readOnly, ...localSources(source), ...(uv !== undefined && uv.startsWith("/") ? [uv] : [])],
    writable: [env.dir],
    network: !source.offline,
    installerConfiguration: true,
  }).finally(() => rm(downloads, { recursive: true, force: true }));
  const log = result.output;
  if (result.exitCode === 0 && !result.timedOut) return { ok: true, log };
  const errors = log.split("\n").filter((line) => /^(ERROR|error)\b|×|No matching distribution|Could not find/.test(line.trim()));
  const reason = result.timedOut
    ? `timed out after ${options.timeoutMs / 1000} s`
    : (errors.length > 0 ? errors : log.split("\n").slice(-5)).join("\n").trim() || `exit ${result.exitCode}`;
  return { ok: false, reason, log, failure: classifyInstallFailure(log, result) };
}

/** What the host knows of an environment after installing and before loading anything in it. */
export interface InstalledFacts {
  python: string;
  /** Distribution name -> version, as the environment's metadata says (the first on the path wins). */
  distributions: Record<string, string>;
  /** Top-level names a module can be imported by from the environment's site folders. */
  importable: string[];
}

/**
 * Reads the environment's installed distributions and importable names with `python -I -S` (the standard
 * library only: no installed package's code runs), in the sandbox, with the environment read-only.
 */
export async function installedFacts(env: PythonEnvironment, options: { sandbox: boolean; systemSitePackages: boolean }): Promise<InstalledFacts> {
  const run = await runSandboxed(
    [env.python, "-I", "-S", "-B", pythonScript("installed.py"), ...(options.systemSitePackages ? ["--system-site-packages"] : [])],
    {
      sandbox: options.sandbox,
      python: env.python,
      env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" },
      timeoutMs: 120_000,
      memoryLimitMiB: 2048,
      readOnly: [env.dir, ...env.readOnly, dirname(pythonScript("installed.py"))],
      writable: [],
    },
  );
  try {
    if (run.exitCode !== 0) throw new Error(run.stderr.trim().split("\n").slice(-1)[0] ?? `exit ${run.exitCode}`);
    const facts = JSON.parse(run.stdout) as InstalledFacts;
    if (typeof facts.python !== "string" || typeof facts.distributions !== "object" || !Array.isArray(facts.importable)) throw new Error("unexpected answer");
    // Names and versions are the installed packages' metadata: a stranger's text.
    const distributions = Object.fromEntries(
      Object.entries(facts.distributions).map(([name, version]) => [strangerText(name, 200), strangerText(String(version), 200)]),
    );
    return { python: facts.python, distributions, importable: facts.importable.filter((name) => typeof name === "string") };
  } catch (error) {
    throw new EnvironmentError(`cannot read what is installed in the environment: ${errorMessage(error)}`);
  }
}
