// log-run outcomes as `run` evidence of a platform: a trace index (it ran on dummy input), or a failure that
// was the checkpoint's own (the model raised, produced nothing), with its reason and the checkpoint's words.
import type { TraceIndex } from "../contract/records/trace.ts";
import type { EvidenceUpdate } from "./apply.ts";
import { outputTail, summaryLine } from "./checkpoint-words.ts";
import { platformEnvironment } from "./platform-environment.ts";

/** A trace that a platform's run produced, as a passed run check. */
export function runPassEvidence(index: TraceIndex, run: { platform: string; trace: Record<string, string>; date: string }): EvidenceUpdate {
  const env = index.environment;
  return {
    platform: run.platform,
    runId: index.runId,
    evidence: {
      check: "run",
      result: "pass",
      summary: summaryLine(`ran on dummy input in ${index.input.dtype} on ${index.input.device} (${index.path}, ${index.modules.length} module calls)`),
      date: run.date,
      tool: index.tool,
      environment: {
        ...platformEnvironment(run.platform),
        ...(typeof env.torch === "string" ? { torch: env.torch } : {}),
        ...(typeof env.python === "string" ? { python: env.python } : {}),
      },
      checkpointSha256: index.checkpoint.sha256,
      details: {
        runId: index.runId,
        dtype: index.input.dtype,
        device: index.input.device,
        path: index.path,
        timingsSeconds: index.timingsSeconds,
        peakMemoryBytes: index.peakMemoryBytes,
        trace: run.trace,
      },
    },
  };
}

export interface RunFailure {
  platform: string;
  /** The job and attempt that failed last: they name the run. */
  job: string;
  attempt: number;
  /** Attempts that failed for the checkpoint's own reasons (1 for a deterministic failure). */
  failures: number;
  dtype: string | undefined;
  reason: string;
  /** The last lines of the run's stderr. */
  output: string | undefined;
  checkpointSha256: string | undefined;
  date: string;
  tool: { name: string; version: string };
}

/** A platform's run that failed for the checkpoint's own reasons, as a failed run check. */
export function runFailureEvidence(f: RunFailure): EvidenceUpdate {
  const runId = `job-${f.job}-${f.attempt}`;
  const reason = summaryLine(f.reason) || "the run failed without a message";
  return {
    platform: f.platform,
    runId,
    evidence: {
      check: "run",
      result: "fail",
      summary: summaryLine(`log-run failed${f.failures > 1 ? ` ${f.failures} times` : ""}: ${reason}`),
      date: f.date,
      tool: f.tool,
      environment: platformEnvironment(f.platform),
      ...(f.checkpointSha256 ? { checkpointSha256: f.checkpointSha256 } : {}),
      details: { runId, job: f.job, ...(f.dtype ? { dtype: f.dtype } : {}), reason, ...(f.output ? { checkpointOutput: outputTail(f.output) } : {}) },
    },
  };
}
