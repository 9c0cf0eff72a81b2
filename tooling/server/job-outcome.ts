// What a worker's result for a leased job means, before anything is recorded: a finished check (with its
// evidence), or a failure with its fault. Whose fault it was decides what happens next (jobs.ts): only the
// checkpoint's own failures become evidence, a deterministic one at once; the environment's are retried on
// another worker and never become evidence. A result that does not fit its job is an HTTP problem.
import { traceIndex } from "../../src/contract/records/trace.ts";
import { faultOf, verificationResult, type VerificationResult } from "../../src/contract/records/verification.ts";
import type { EvidenceUpdate } from "../../src/evidence/apply.ts";
import { outputTail, summaryLine } from "../../src/evidence/checkpoint-words.ts";
import { ResultError } from "../../src/evidence/result-error.ts";
import { runPassEvidence } from "../../src/evidence/run.ts";
import { isDeterministic, isRefusal, refusalEvidence, unpickleEvidence } from "../../src/evidence/verification.ts";
import type { JobFault, JobKind, JobResultRequest } from "../api/wire.ts";
import type { BlobStore } from "./blobs.ts";
import { HttpProblem } from "./problems.ts";

/** The job as the outcome needs it. */
export interface JobFacts {
  id: string;
  kind: JobKind;
  platform: string;
  dtype: string | null;
  role: "reference" | "candidate" | null;
}

/** The check ran to its end: a verdict (evidence, unless the reference run), or a refusal. */
export interface Finished {
  kind: "finished";
  update: EvidenceUpdate | undefined;
  outcome: string;
  trace?: Record<string, string>;
  /** Whether the jobs after it may run. */
  passed: boolean;
  /** The file the result says it checked. */
  checkpointSha256: string | undefined;
}

/** The check did not reach a verdict, or the checkpoint failed it. */
export interface Failure {
  kind: "failure";
  fault: JobFault;
  deterministic: boolean;
  /** One line, escaped; never empty. */
  reason: string;
  /** The last lines of stderr, escaped and capped. */
  output: string | undefined;
  /** A verification record of the checkpoint's failure: recorded as the job's verdict when the failure is final. */
  verdict?: Omit<Finished, "kind" | "passed">;
  checkpointSha256: string | undefined;
}

export type Outcome = Finished | Failure;

function unprocessable(job: JobFacts, detail: string): HttpProblem {
  return new HttpProblem(422, "unprocessable", "Result not accepted", `job ${job.id}: ${detail}`);
}

const reasonOf = (text: string | undefined, fallback: string) => summaryLine(text ?? "") || fallback;

function fromVerification(job: JobFacts, request: JobResultRequest): Outcome {
  const parsed = verificationResult.safeParse(request.result);
  if (!parsed.success) throw unprocessable(job, "the result is not a verify-unpickling record");
  const record: VerificationResult = parsed.data;
  const checkpointSha256 = record.checkpointSha256;
  if (isRefusal(record)) return { kind: "finished", update: refusalEvidence(record, job.platform), outcome: record.status, passed: false, checkpointSha256 };
  const words = record.checkpointOutput ? outputTail(record.checkpointOutput) : request.output ? outputTail(request.output) : undefined;
  const reason = reasonOf(`verify-unpickling: ${record.status}: ${record.summary}`, `verify-unpickling: ${record.status}`);
  const fault = faultOf(record);
  if (fault === "environment") return { kind: "failure", fault, deterministic: false, reason, output: words, checkpointSha256 };
  let update: EvidenceUpdate;
  try {
    update = unpickleEvidence(record);
  } catch (error) {
    if (error instanceof ResultError) throw unprocessable(job, error.message);
    throw error;
  }
  if (update.platform !== job.platform) throw unprocessable(job, `the result ran on ${update.platform}, the job is for ${job.platform}`);
  if (fault === "none") return { kind: "finished", update, outcome: record.status, passed: true, checkpointSha256 };
  return {
    kind: "failure",
    fault,
    deterministic: isDeterministic(record),
    reason,
    output: words,
    verdict: { update, outcome: record.status, checkpointSha256 },
    checkpointSha256,
  };
}

function fromTrace(job: JobFacts, request: JobResultRequest, blobs: BlobStore): Finished {
  if (!request.trace) throw unprocessable(job, "a log-run job ends with its trace files (trace), uploaded first as blobs");
  for (const [name, sha] of Object.entries(request.trace))
    if (!blobs.has(sha)) throw unprocessable(job, `${name} (${sha}) was not uploaded; PUT it to /api/v1/blobs/${sha} first`);
  const parsed = traceIndex.safeParse(blobs.readJson(request.trace["index.json"], 64 * 1024 * 1024));
  if (!parsed.success) throw unprocessable(job, "index.json is not a log-run trace index");
  const index = parsed.data;
  if (job.dtype && index.input.dtype !== job.dtype) throw unprocessable(job, `the trace ran in ${index.input.dtype}, the job asked for ${job.dtype}`);
  const update = runPassEvidence(index, { platform: job.platform, trace: request.trace, date: new Date().toISOString() });
  // The reference run says nothing about its platform beyond the candidate run of the same platform.
  return {
    kind: "finished",
    update: job.role === "reference" ? undefined : update,
    outcome: `traced ${index.modules.length} module calls in ${index.input.dtype}`,
    trace: request.trace,
    passed: true,
    checkpointSha256: index.checkpoint.sha256,
  };
}

/** A failure as the worker classified it; one without a fault is not blamed on the checkpoint. */
function reportedFailure(job: JobFacts, request: JobResultRequest): Failure {
  const fault = request.fault ?? "environment";
  return {
    kind: "failure",
    fault,
    deterministic: fault === "checkpoint" && request.deterministic === true,
    reason: reasonOf(request.reason, `the worker could not run ${job.kind} (no reason given)`),
    output: request.output ? outputTail(request.output) : undefined,
    checkpointSha256: undefined,
  };
}

/** What `request` (not a hand-back) says about `job`. */
export function outcomeOf(job: JobFacts, request: JobResultRequest, blobs: BlobStore): Outcome {
  if (job.kind === "verify-unpickling") {
    // The record decides, whether the worker sent it as done or failed: a host may be older than the rules.
    if (request.result) return fromVerification(job, request);
    if (request.status === "done") throw unprocessable(job, "a verify-unpickling job ends with its result record (result)");
    return reportedFailure(job, request);
  }
  if (job.kind === "log-run") return request.status === "done" ? fromTrace(job, request, blobs) : reportedFailure(job, request);
  throw unprocessable(job, "compare-runs jobs are run by the server, not leased");
}
