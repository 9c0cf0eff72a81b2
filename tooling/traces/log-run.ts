// log-run's core: in a fresh environment with the checkpoint's requirements, run the model on
// deterministic dummy input with a hook on every module, and write the trace folder.
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { traceIndex, type TraceDtype, type TraceIndex } from "../../src/contract/records/trace.ts";
import { RegistryError } from "../../src/errors.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { allowlistFor, prepare, type EnvironmentSettings } from "../environment/prepare.ts";
import { runScript } from "../environment/run-script.ts";
import { toolFor } from "../repo.ts";
import { dummyInputs, stateFieldNames, timestepHours } from "./dummy-input.ts";

export interface LogRunOptions extends EnvironmentSettings {
  device: string;
  dtype: TraceDtype;
  seed: number;
  steps: number;
  out: string;
  timeoutMs: number;
  memoryLimitMiB: number | undefined;
  sampleCount: number;
  /** Elements kept of each final output (the same positions as module samples); all when undefined. */
  finalSampleCount?: number;
  /** auto: through anemoi-inference when it is installed in the environment, else directly. */
  via: (typeof drivePaths)[number];
  /** Environment variables for the model process (e.g. FIAB's control options). */
  env: Record<string, string>;
}

export class LogRunError extends RegistryError {}

/** How log-run may drive the model. */
export const drivePaths = ["auto", "direct", "anemoi-inference"] as const;

/** What log_run.py answers; the trace contract checks it when the index is assembled. */
interface ScriptResult {
  inputSha256: unknown;
  path: unknown;
  environment: unknown;
  timingsSeconds: Record<string, number>;
  peakMemoryBytes: unknown;
  modules: unknown;
  finalOutputs: unknown;
}

export async function logRun(file: CheckpointFile, options: LogRunOptions): Promise<TraceIndex> {
  const prepared = await prepare(file, options);
  if (prepared.refused) throw new LogRunError(prepared.refused.summary);
  if (prepared.installFailure) throw new LogRunError(`${prepared.installFailure.summary}${prepared.installFailure.reason?.includes("\n") ? `\n${prepared.installFailure.reason}` : ""}`);
  const env = prepared.env!;
  try {
    const inputs = dummyInputs(prepared.extraction);
    const out = resolve(options.out);
    await mkdir(out, { recursive: true });
    const spec = {
      checkpoint: resolve(file.path),
      allowlist: allowlistFor(options),
      out,
      device: options.device,
      dtype: options.dtype,
      seed: options.seed,
      steps: options.steps,
      sampleCount: options.sampleCount,
      finalSampleCount: options.finalSampleCount ?? null,
      inputs,
      via: options.via,
      fieldNames: stateFieldNames(prepared.extraction),
      timestepHours: timestepHours(prepared.extraction.mapped.model.timestep),
    };
    const { run, output } = await runScript(env, "log_run.py", spec, {
      timeoutMs: options.timeoutMs,
      memoryLimitMiB: options.memoryLimitMiB,
      env: options.env,
      sandbox: !options.noSandbox,
      readOnly: [spec.checkpoint],
      writable: [out],
    });
    if (run.timedOut) throw new LogRunError(`the run did not finish within ${options.timeoutMs / 1000} s; everything it started was killed`);
    if (output === undefined) throw new LogRunError(`the run failed (${run.signal ?? `exit ${run.exitCode}`}):\n${run.stderr.split("\n").slice(-15).join("\n")}`);
    const result = output as ScriptResult;
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
    await env.dispose();
  }
}
