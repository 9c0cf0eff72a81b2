// A fresh virtual environment in a temporary folder: uv when it is on PATH (fast), else `python -m venv`
// with pip. Requirements are installed from the chosen package source only.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { RegistryError } from "../../src/errors.ts";

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
  return { dir, python, tool: useUv ? "uv" : "venv", dispose };
}

function sourceArgs(source: PackageSource): string[] {
  const args: string[] = [];
  if (source.offline) args.push("--no-index");
  else if (source.indexUrl) args.push("--index-url", source.indexUrl);
  if (!source.offline) for (const url of source.extraIndexUrls) args.push("--extra-index-url", url);
  for (const dir of source.findLinks) args.push("--find-links", dir);
  return args;
}

export interface InstallOutcome {
  ok: boolean;
  /** pip's own explanation when it failed (its last error lines). */
  reason?: string;
  log: string;
}

export async function installRequirements(env: PythonEnvironment, requirements: readonly string[], source: PackageSource, timeoutMs: number): Promise<InstallOutcome> {
  if (requirements.length === 0) return { ok: true, log: "" };
  const command =
    env.tool === "uv"
      ? ["uv", "pip", "install", "--python", env.python, ...sourceArgs(source), ...requirements]
      : [env.python, "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--progress-bar", "off", ...sourceArgs(source), ...requirements];
  const result = await execa(command[0]!, command.slice(1), { reject: false, timeout: timeoutMs, all: true, env: { PIP_NO_INPUT: "1" } });
  const log = String(result.all ?? "");
  if (result.exitCode === 0) return { ok: true, log };
  const errors = log.split("\n").filter((line) => /^(ERROR|error)\b|×|No matching distribution|Could not find/.test(line.trim()));
  const reason = (errors.length > 0 ? errors : log.split("\n").slice(-5)).join("\n").trim() || (result.timedOut ? "timed out" : `exit ${result.exitCode}`);
  return { ok: false, reason, log };
}
