// A fresh virtual environment in a temporary folder: uv when it is on PATH (fast), else `python -m venv`
// with pip. Requirements are installed from the chosen package source only, wheels only unless source
// requirements were allowed, inside the same sandbox as the checkpoint's code: a package's build runs code
// of its own, and it may write nothing but the environment.
import { realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { RegistryError } from "../../src/errors.ts";
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
}

export interface PythonEnvironment {
  dir: string;
  python: string;
  tool: "uv" | "venv";
  /** What its interpreter reads outside `dir`: the base installation (sys.base_prefix), for the sandbox. */
  readOnly: string[];
  dispose(): Promise<void>;
}

export class EnvironmentError extends RegistryError {}

async function onPath(command: string): Promise<boolean> {
  const result = await execa(command, ["--version"], { reject: false });
  return result.exitCode === 0;
}

export async function pythonVersion(python: string): Promise<string> {
  const result = await execa(python, ["-c", "import platform; print(platform.python_version())"], { reject: false });
  if (result.exitCode !== 0) throw new EnvironmentError(`cannot run Python "${python}": ${String(result.stderr || result.message).split("\n").slice(-1)[0]}`);
  return String(result.stdout).trim();
}

export async function createEnvironment(options: EnvironmentOptions): Promise<PythonEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), "fiab-verify-env-"));
  const python = join(dir, "bin", "python");
  const useUv = await onPath("uv");
  const site = options.systemSitePackages ? ["--system-site-packages"] : [];
  const result = useUv
    ? await execa("uv", ["venv", "--python", options.python, ...site, dir], { reject: false })
    : await execa(options.python, ["-m", "venv", ...site, dir], { reject: false });
  const dispose = async () => {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  };
  if (result.exitCode !== 0) {
    await dispose();
    throw new EnvironmentError(`cannot create a virtual environment with ${useUv ? "uv" : `${options.python} -m venv`}: ${String(result.stderr).trim().split("\n").slice(-3).join(" ")}`);
  }
  const base = await execa(python, ["-c", "import json, sys; print(json.dumps(sorted({sys.base_prefix, sys.base_exec_prefix})))"], { reject: false });
  if (base.exitCode !== 0) {
    await dispose();
    throw new EnvironmentError(`the new environment's Python does not run: ${String(base.stderr).trim().split("\n").slice(-1)[0]}`);
  }
  return { dir, python, tool: useUv ? "uv" : "venv", readOnly: JSON.parse(String(base.stdout)) as string[], dispose };
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

export interface InstallOutcome {
  ok: boolean;
  /** pip's own explanation when it failed (its last error lines). */
  reason?: string;
  log: string;
}

export async function installRequirements(env: PythonEnvironment, requirements: readonly string[], source: PackageSource, options: InstallOptions): Promise<InstallOutcome> {
  if (requirements.length === 0) return { ok: true, log: "" };
  const wheelsOnly = options.allowBuilds ? [] : env.tool === "uv" ? ["--no-build"] : ["--only-binary", ":all:"];
  const uv = env.tool === "uv" ? uvBinary() : undefined;
  const command =
    uv !== undefined
      ? [uv, "pip", "install", "--python", env.python, "--no-cache", ...wheelsOnly, ...sourceArgs(source), ...requirements]
      : [env.python, "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--no-cache-dir", "--progress-bar", "off", ...wheelsOnly, ...sourceArgs(source), ...requirements];
  const ours = Object.fromEntries(Object.entries(process.env).filter(([name]) => passedOn.test(name)));
  const result = await runSandboxed(command, {
    sandbox: options.sandbox,
    cwd: env.dir,
    // HOME and TMPDIR in the sandbox's private /tmp: no cache, no user configuration, nothing kept.
    env: { ...ours, PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`, HOME: options.sandbox ? "/tmp" : env.dir, LANG: "C.UTF-8", PIP_NO_INPUT: "1", PIP_NO_CACHE_DIR: "1", UV_NO_CACHE: "1", UV_PYTHON_DOWNLOADS: "never" },
    timeoutMs: options.timeoutMs,
    memoryLimitMiB: options.memoryLimitMiB,
    readOnly: [...env.readOnly, ...localSources(source), ...(uv !== undefined && uv.startsWith("/") ? [uv] : [])],
    writable: [env.dir],
    network: !source.offline,
  });
  const log = result.output;
  if (result.exitCode === 0 && !result.timedOut) return { ok: true, log };
  const errors = log.split("\n").filter((line) => /^(ERROR|error)\b|×|No matching distribution|Could not find/.test(line.trim()));
  const reason = result.timedOut ? `timed out after ${options.timeoutMs / 1000} s` : (errors.length > 0 ? errors : log.split("\n").slice(-5)).join("\n").trim() || `exit ${result.exitCode}`;
  return { ok: false, reason, log };
}
