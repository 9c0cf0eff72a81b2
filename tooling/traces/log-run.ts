// log-run's core: in a fresh environment with the checkpoint's requirements, run the model on
// deterministic dummy input with a hook on every module, and write the trace folder.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { traceIndex, type TraceIndex } from "../../src/contract/index.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { toolFor } from "../version.ts";
import { prepare, type CheckpointFile, type EnvironmentSettings } from "../environment/prepare.ts";
import { runSandboxed } from "../environment/sandbox.ts";
import { dummyInputs, stateFieldNames, timestepHours } from "./dummy-input.ts";

export interface LogRunOptions extends EnvironmentSettings {
  device: string;
  dtype: "float64" | "float32" | "float16" | "bfloat16";
  seed: number;
  steps: number;
  out: string;
  timeoutMs: number;
  memoryLimitMiB: number | undefined;
  sampleCount: number;
  /** auto: through anemoi-inference when it is installed in the environment, else directly. */
  via: "auto" | "direct" | "anemoi-inference";
  /** Environment variables for the model process (e.g. FIAB's control options). */
  env: Record<string, string>;
}

export class LogRunError extends Error {}

const script = new URL("../python/log_run.py", import.meta.url).pathname;

export async function logRun(file: CheckpointFile, options: LogRunOptions): Promise<TraceIndex> {
  const prepared = await prepare(file, options);
  if (prepared.refused) throw new LogRunError(prepared.refused.summary);
  const env = prepared.env!;
  const work = await mkdtemp(join(tmpdir(), "fiab-log-run-"));
  try {
    if (prepared.installFailure) throw new LogRunError(`pip could not install the requirements: ${prepared.installFailure.reason ?? ""}`);
    const inputs = dummyInputs(prepared.extraction);
    const out = resolve(options.out);
    await mkdir(out, { recursive: true });
    const spec = {
      checkpoint: resolve(file.path),
      out,
      device: options.device,
      dtype: options.dtype,
      seed: options.seed,
      steps: options.steps,
      sampleCount: options.sampleCount,
      inputs,
      via: options.via,
      fieldNames: stateFieldNames(prepared.extraction),
      timestepHours: timestepHours(prepared.extraction.mapped.model.timestep),
    };
    await writeFile(join(work, "spec.json"), JSON.stringify(spec));
    const resultFile = join(work, "result.json");
    const run = await runSandboxed([env.python, script, join(work, "spec.json"), resultFile], {
      cwd: work,
      env: { ...options.env, PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`, HOME: work, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs: options.timeoutMs,
      ...(options.memoryLimitMiB ? { memoryLimitMiB: options.memoryLimitMiB } : {}),
    });
    if (run.timedOut) throw new LogRunError(`the run did not finish within ${options.timeoutMs / 1000} s; the process group was killed`);
    if (!existsSync(resultFile)) throw new LogRunError(`the run failed (${run.signal ?? `exit ${run.exitCode}`}):\n${run.stderr.split("\n").slice(-15).join("\n")}`);
    const result = JSON.parse(await readFile(resultFile, "utf8"));
    const index = traceIndex.parse({
      kind: "log-run-trace",
      traceVersion: 1,
      runId: randomUUID(),
      date: new Date().toISOString(),
      tool: toolFor("log-run"),
      checkpoint: { sha256: prepared.sha256, sizeBytes: prepared.sizeBytes, ...(file.checkpointId ? { checkpointId: file.checkpointId } : {}) },
      input: { seed: options.seed, dtype: options.dtype, device: options.device, sha256: result.inputSha256, tensors: inputs },
      path: result.path,
      steps: options.steps,
      environment: result.environment,
      timingsSeconds: { ...prepared.durations, ...result.timingsSeconds },
      peakMemoryBytes: result.peakMemoryBytes,
      sampleCount: options.sampleCount,
      modules: result.modules,
      finalOutputs: result.finalOutputs,
    });
    await writeFileAtomic(join(out, "index.json"), formatJson(index));
    return index;
  } finally {
    await rm(work, { recursive: true, force: true });
    await env.dispose();
  }
}
