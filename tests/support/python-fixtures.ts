// Real torch checkpoints of tiny models, made at test time by the system Python with Debian's torch, and a
// wheelhouse of the test-only package that defines them (built offline with pip wheel, once per run).
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { execa } from "execa";
import { inject } from "vitest";
import { fixture } from "./paths.ts";
import { pipWheel } from "./pip-wheel.ts";
import { runTorchPython, torchPython } from "./torch-python.ts";

export { torchPython };

/** Why torch tests cannot run here, or undefined when they can. */
export async function torchUnavailable(): Promise<string | undefined> {
  if (!existsSync(torchPython)) return `${torchPython} is missing`;
  const probe = await execa(torchPython, ["-c", "import torch, setuptools, wheel, venv"], { reject: false });
  return probe.exitCode === 0
    ? undefined
    : `${torchPython} cannot import torch, setuptools, wheel and venv (apt-get install python3-torch python3-setuptools python3-wheel python3-venv)`;
}

export interface TinyModels {
  /** The package source (copied, so building leaves nothing in the repository). */
  source: string;
  wheelhouse: string;
  /** The environment cache of the tests that share this build: one environment made, then reused. */
  environments: string;
}

/**
 * The options of a command that runs a tiny_models checkpoint offline: this Python, the wheelhouse, the package
 * allowed, and the environment cache (what the tests of making environments leave out with `fresh`).
 */
export function tinyModelOptions(models: TinyModels, { fresh = false } = {}): string[] {
  const options = ["--python", torchPython, "--offline", "--find-links", models.wheelhouse, "--system-site-packages", "--allow-package", "tiny_models"];
  return fresh ? options : [...options, "--environment-cache", models.environments];
}

/**
 * The package's source in `dir` (for making checkpoints) and a wheelhouse with its wheel, built once per run
 * (tests/support/global-setup.ts), or here when this file runs without it.
 */
export async function buildTinyModels(dir: string): Promise<TinyModels> {
  const source = join(dir, "tiny-models");
  const wheelhouse = join(dir, "wheelhouse");
  await cp(fixture("python/tiny-models"), source, { recursive: true });
  await mkdir(wheelhouse, { recursive: true });
  // The benchmarks (bench/) use these fixtures outside Vitest, where there is nothing to inject.
  const built = process.env.VITEST ? inject("tinyModelsWheel") : "";
  if (built) await copyFile(built, join(wheelhouse, basename(built)));
  else await pipWheel(source, wheelhouse, { cwd: dir });
  return { source, wheelhouse, environments: join(dir, "environments") };
}

export async function makeCheckpoint(models: TinyModels, out: string, cls: string, ...args: string[]): Promise<string> {
  await runTorchPython([fixture("python/make_checkpoint.py"), out, cls, ...args], {
    env: { PYTHONPATH: models.source, TINY_MODELS_BUILDING: "1" },
  });
  return out;
}

/** A copy of `checkpoint` whose data.pkl is `pickle`: a real torch file carrying a pickle of a test's choosing. */
export async function checkpointWithPickle(checkpoint: string, pickle: Buffer, out: string): Promise<string> {
  const script = `
import sys, zipfile
source, out, pickle = sys.argv[1], sys.argv[2], sys.stdin.buffer.read()
with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w") as dst:
    for info in src.infolist():
        dst.writestr(info, pickle if info.filename.endswith("/data.pkl") else src.read(info))
`;
  await execa(torchPython, ["-c", script, checkpoint, out], { input: pickle });
  return out;
}
