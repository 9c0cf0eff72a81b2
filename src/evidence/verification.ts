// verify-unpickling records as evidence: an `unpickle` check of the platform the run fingerprinted; a refusal
// by the scan or the dependency rule as a failed `unpickle` check of the platform that was asked; never a
// record of the host's environment failing, which says nothing about the checkpoint.
import { faultOf, type VerificationResult } from "../contract/records/verification.ts";
import type { EvidenceUpdate } from "./apply.ts";
import { outputTail, summaryLine } from "./checkpoint-words.ts";
import { platformEnvironment } from "./platform-environment.ts";
import { ResultError } from "./result-error.ts";

const refusals: ReadonlySet<VerificationResult["status"]> = new Set(["refused-unsafe", "refused-dependency"]);
/** Statuses that come out the same when run again on the same kind of host. */
const repeatable: ReadonlySet<VerificationResult["status"]> = new Set(["unpickle-error", "missing-module", "refused-unsafe", "refused-dependency"]);

export function isRefusal(record: Pick<VerificationResult, "status">): boolean {
  return refusals.has(record.status);
}

/** Whether running again would give the same result; derived from the status for records without the field. */
export function isDeterministic(record: Pick<VerificationResult, "status" | "deterministic">): boolean {
  return record.deterministic ?? repeatable.has(record.status);
}

/** The checkpoint's words kept with its evidence: escaped again, whoever wrote the record. */
function words(record: VerificationResult): { checkpointOutput?: string } {
  return record.checkpointOutput ? { checkpointOutput: outputTail(record.checkpointOutput) } : {};
}

/** A run's record as an `unpickle` check of the platform it fingerprinted. */
export function unpickleEvidence(record: VerificationResult): EvidenceUpdate {
  if (isRefusal(record)) throw new ResultError(`run ${record.runId} was refused before running (${record.status}): it says nothing about compatibility`);
  if (faultOf(record) === "environment")
    throw new ResultError(`run ${record.runId} failed in its host's environment (${record.status}): it says nothing about the checkpoint`);
  if (!record.platform) throw new ResultError(`run ${record.runId} has no platform fingerprint`);
  const p = record.platform;
  return {
    platform: p.key,
    runId: record.runId,
    evidence: {
      check: "unpickle",
      result: record.status === "ok" ? "pass" : "fail",
      summary: summaryLine(`${record.status}: ${record.summary}`),
      date: record.date,
      tool: record.tool,
      environment: {
        os: p.os,
        arch: p.arch,
        ...(p.python ? { python: p.python } : {}),
        ...(p.torch ? { torch: p.torch } : {}),
        ...(p.accelerator ? { accelerator: p.accelerator } : {}),
        ...(p.cudaAvailable && p.cudaVersion ? { cuda: p.cudaVersion } : {}),
        ...(Object.keys(record.installed).length > 0 ? { packages: record.installed } : {}),
      },
      ...(record.checkpointSha256 ? { checkpointSha256: record.checkpointSha256 } : {}),
      details: {
        runId: record.runId,
        status: record.status,
        requirements: record.requirements,
        ...(record.weightsOnlyLoadable !== undefined ? { weightsOnlyLoadable: record.weightsOnlyLoadable } : {}),
        ...words(record),
      },
    },
  };
}

/**
 * A refusal before Python started says nothing about the platform, but it is why the checkpoint is not run
 * there: a failed `unpickle` check of `platform` (the one the job asked for), with the refusal's reason.
 */
export function refusalEvidence(record: VerificationResult, platform: string): EvidenceUpdate {
  if (!isRefusal(record)) throw new ResultError(`run ${record.runId} is not a refusal (${record.status})`);
  return {
    platform,
    runId: record.runId,
    evidence: {
      check: "unpickle",
      result: "fail",
      summary: summaryLine(`${record.status}: ${record.summary}`),
      date: record.date,
      tool: record.tool,
      environment: platformEnvironment(platform),
      ...(record.checkpointSha256 ? { checkpointSha256: record.checkpointSha256 } : {}),
      details: { runId: record.runId, status: record.status, requirements: record.requirements, ...words(record) },
    },
  };
}
