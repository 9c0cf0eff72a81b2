// The one way a Python script of tooling/python/ runs a checkpoint: in a scratch folder, sandboxed and
// limited, with its input as spec.json and its answer as result.json (the checkpoint's own code may print
// anything on stdout). Used by verify-unpickling and log-run alike. The sandbox sees the environment, the
// scripts and what the caller names read-only, and may write only the scratch folder and what the caller names.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readJsonFile } from "../../src/files/json-file.ts";
import { pythonScript } from "../repo.ts";
import type { PythonEnvironment } from "./python-env.ts";
import { runSandboxed, type SandboxResult } from "./sandbox.ts";

export interface ScriptOptions {
  timeoutMs: number;
  memoryLimitMiB?: number | undefined;
  /** Extra environment variables for the script (e.g. an attention backend). */
  env?: Record<string, string>;
  /** false only on the user's explicit --no-sandbox. */
  sandbox: boolean;
  /** What the script reads besides the environment and its own folder: the checkpoint. */
  readOnly: readonly string[];
  /** Folders it writes besides its scratch folder (log-run's trace folder). */
  writable?: readonly string[];
}

export interface ScriptRun {
  run: SandboxResult;
  /** The script's result.json, when it wrote one. */
  output: unknown;
}

/** A result bigger than this is not a result (log-run's module list for the largest models is a few MiB). */
const maxResultBytes = 256 * 1024 * 1024;

export async function runScript(env: PythonEnvironment, script: string, spec: unknown, options: ScriptOptions): Promise<ScriptRun> {
  const work = await mkdtemp(join(tmpdir(), "fiab-script-"));
  try {
    const specFile = join(work, "spec.json");
    const resultFile = join(work, "result.json");
    await writeFile(specFile, JSON.stringify(spec));
    const run = await runSandboxed([env.python, pythonScript(script), specFile, resultFile], {
      sandbox: options.sandbox,
      cwd: work,
      env: { ...options.env, PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`, HOME: work, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs: options.timeoutMs,
      memoryLimitMiB: options.memoryLimitMiB,
      readOnly: [env.dir, ...env.readOnly, dirname(pythonScript(script)), ...options.readOnly],
      writable: [work, ...(options.writable ?? [])],
    });
    const output = existsSync(resultFile) ? await readJsonFile(resultFile, maxResultBytes) : undefined;
    return { run, output };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
