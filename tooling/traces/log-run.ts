// log-run's core: in a fresh environment with the checkpoint's requirements, run the model on
// deterministic dummy input with a hook on every module, and write the trace folder. A failure says whose it
// is: the checkpoint's (it could not be loaded or run, or its run answered what the host knows to be false)
// or the host environment's (no index, no wheel, no sandbox, the host's OOM killer): LogRunError.fault.
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { formatProblem, problemsFromZod } from "../../src/contract/parse.ts";
import { traceIndex, type TraceDtype, type TraceIndex } from "../../src/contract/records/trace.ts";
import { RegistryError } from "../../src/errors.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { strangerText } from "../../src/text/control.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { allowlistFor, prepare, type EnvironmentSettings, type Prepared } from "../environment/prepare.ts";
import { EnvironmentError } from "../environment/python-env.ts";
import { lastLines, runHarness, stepAnswer, type HarnessRun } from "../environment/run-script.ts";
import { SandboxError } from "../environment/sandbox.ts";
import { toolFor } from "../repo.ts";
import { dummyInputs, InputShapeError, stateFieldNames, timestepHours } from "./dummy-input.ts";

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

export type LogRunFault = "checkpoint" | "environment";

/** Exit status of log-run when the host's environment failed: EX_TEMPFAIL, try again (elsewhere). */
export const environmentExitCode = 75;

/** A run that failed: exit 1 when it is the checkpoint's fault, 75 when it is the host's. */
export class LogRunError extends RegistryError {
  readonly fault: LogRunFault;
  constructor(message: string, fault: LogRunFault) {
    super(message, { exitCode: fault === "environment" ? environmentExitCode : 1 });
    this.fault = fault;
  }
}

/** How running out of memory reads in the run's output (torch's allocators, Python, C++). */
const allocationFailure = /MemoryError|OutOfMemoryError|DefaultCPUAllocator: can't allocate memory|CUDA out of memory|bad_alloc|Cannot allocate memory/i;

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
  let prepared: Prepared;
  try {
    prepared = await prepare(file, options);
  } catch (error) {
    if (error instanceof SandboxError || error instanceof EnvironmentError) throw new LogRunError(error.message, "environment");
    throw error;
  }
  if (prepared.refused) throw new LogRunError(prepared.refused.summary, "checkpoint");
  if (prepared.installFailure) {
    const { summary, reason, kind } = prepared.installFailure;
    throw new LogRunError(`${summary}${reason?.includes("\n") ? `\n${reason}` : ""}`, kind.fault);
  }
  const { env, extraction } = prepared;
  try {
    let inputs: ReturnType<typeof dummyInputs>;
    try {
      inputs = dummyInputs(extraction);
    } catch (error) {
      if (error instanceof InputShapeError) throw new LogRunError(`the checkpoint's metadata gives no input to run it with: ${error.message}`, "checkpoint");
      throw error;
    }
    const out = resolve(options.out);
    await mkdir(out, { recursive: true });
    const spec = {
      checkpoint: resolve(file.path),
      allowlist: allowlistFor(options),
      // In the sandbox's scratch; the harness copies the two files out to descriptors the host opened.
      out: "trace",
      device: options.device,
      dtype: options.dtype,
      seed: options.seed,
      steps: options.steps,
      sampleCount: options.sampleCount,
      finalSampleCount: options.finalSampleCount ?? null,
      inputs,
      via: options.via,
      fieldNames: stateFieldNames(extraction),
      timestepHours: timestepHours(extraction.mapped.model.timestep),
    };
    const harness = await runHarness(
      env,
      spec,
      [
        { name: "probe", script: "verify_unpickling.py", args: ["probe"], required: true, timeoutMs: Math.max(options.timeoutMs, 300_000) },
        { name: "run", script: "log_run.py", messageBytes: maxResultBytes, required: true },
      ],
      {
        timeoutMs: options.timeoutMs,
        memoryLimitMiB: options.memoryLimitMiB,
        env: options.env,
        sandbox: !options.noSandbox,
        readOnly: [spec.checkpoint],
        outputs: traceFiles.map((name) => ({ scratchPath: `trace/${name}`, file: join(out, name) })),
        outputBytes: maxTraceFileBytes,
      },
    );
    const result = runResult(harness, options, prepared.installed.python);
    const parsed = traceIndex.safeParse({
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
      timingsSeconds: { ...prepared.durations, ...(result.timingsSeconds as Record<string, number>) },
      peakMemoryBytes: result.peakMemoryBytes,
      sampleCount: options.sampleCount,
      modules: result.modules,
      finalOutputs: result.finalOutputs,
    });
    if (!parsed.success)
      throw new LogRunError(
        `the run's answer is not a trace: ${problemsFromZod(parsed.error, result).slice(0, 3).map(formatProblem).join("; ")}`,
        "checkpoint",
      );
    await writeFileAtomic(join(out, "index.json"), formatJson(parsed.data));
    return parsed.data;
  } finally {
    await env.dispose();
  }
}

/** The files a step leaves in trace/ of its scratch, copied out by the harness. */
const traceFiles = ["samples.f64", "outputs.f64"] as const;
/** A result bigger than this is not a result (the module list for the largest models is a few MiB). */
const maxResultBytes = 256 * 1024 * 1024;
/** The largest trace file (read-trace.ts reads no larger). */
const maxTraceFileBytes = 8 * 1024 ** 3;

/**
 * The run step's answer, once the harness's own observations say it finished, and once it agrees with what the
 * host established before it ran (Python from the host's reading, torch from the probe); whose fault it is
 * when not.
 */
function runResult(harness: HarnessRun, options: Pick<LogRunOptions, "timeoutMs">, python: string): ScriptResult {
  const { run, report } = harness;
  if (!report) {
    if (run.timedOut) throw new LogRunError(`the run did not finish within ${options.timeoutMs / 1000} s; everything it started was killed`, "checkpoint");
    throw new LogRunError(harness.noReport ?? "the harness gave no report", "environment");
  }
  const probe = report.stages.find((s) => s.name === "probe");
  const probed = stepAnswer(probe)?.environment as Record<string, unknown> | undefined;
  if (!probe || probe.exitCode !== 0 || !probed)
    throw new LogRunError(
      `importing torch in the environment, before any of the checkpoint's code, failed (${probe?.timedOut ? "time limit" : (probe?.signal ?? `exit ${probe?.exitCode}`)}): ${lastLines(probe?.output ?? "", 3)}`,
      "environment",
    );
  const step = report.stages.find((s) => s.name === "run");
  if (!step) throw new LogRunError("the run step did not start", "environment");
  const tail = lastLines(step.output, 15);
  if (step.timedOut) throw new LogRunError(`the run did not finish within ${options.timeoutMs / 1000} s; everything it started was killed`, "checkpoint");
  const answer = stepAnswer(step);
  if (step.exitCode !== 0 || !answer) {
    if (step.signal === "SIGKILL") throw new LogRunError(`the run was killed (SIGKILL), as the host's out-of-memory killer does:\n${tail}`, "environment");
    const why = allocationFailure.test(step.output) ? "ran out of memory under the limit" : `failed (${step.signal ?? `exit ${step.exitCode}`})`;
    throw new LogRunError(`the run ${why}${step.messageTooLarge ? " (its answer was over the cap)" : ""}:\n${tail}`, "checkpoint");
  }
  const environment = (answer.environment ?? {}) as Record<string, unknown>;
  const forged: string[] = [];
  if (environment.torch !== probed.torch)
    forged.push(`it reports torch ${strangerText(String(environment.torch), 60)}, torch is ${strangerText(String(probed.torch), 60)}`);
  if (environment.python !== python) forged.push(`it reports Python ${strangerText(String(environment.python), 60)}, Python is ${python}`);
  if (forged.length > 0)
    throw new LogRunError(
      `refused: the run's answer contradicts what the host established before running it, so code from the checkpoint wrote it: ${forged.join("; ")}`,
      "checkpoint",
    );
  for (const copied of report.outputs ?? []) {
    if (copied.missing || copied.tooLarge) throw new LogRunError(`the run left no usable ${copied.path} (${copied.missing ?? "over the cap"})`, "checkpoint");
  }
  return answer as unknown as ScriptResult;
}
