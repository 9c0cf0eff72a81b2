// A job as the database holds it (one row of `jobs`) and as the API shows it, and the platforms a server plans
// jobs for (`serve --platforms`).
import type { TraceDtype } from "../../src/contract/records/trace.ts";
import type { Job, JobFault, JobKind, JobState } from "../api/wire.ts";

// jobs.ts re-exports these under the names the server has used.
export type { TraceDtype };
export { parsePlatformPlans as parsePlatforms, type PlatformPlan } from "../../src/platform/platform-key.ts";

export interface Row {
  id: string;
  checkpoint_id: string;
  checkpoint_sha256: string | null;
  url: string;
  size_bytes: number | null;
  platform: string;
  kind: JobKind;
  dtype: TraceDtype | null;
  role: "reference" | "candidate" | null;
  after: string;
  state: JobState;
  attempts: number;
  handed_back: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  reason: string | null;
  fault: JobFault | null;
  output: string | null;
  /** JSON: the workers whose environment failed the job. */
  failed_on: string;
  outcome: string | null;
  trace: string | null;
  revision: number | null;
}

export const live: readonly JobState[] = ["waiting", "queued", "leased"];

export function toJob(row: Row): Job {
  return {
    job: row.id,
    kind: row.kind,
    platform: row.platform,
    checkpoint: {
      id: row.checkpoint_id,
      url: row.url,
      ...(row.checkpoint_sha256 ? { sha256: row.checkpoint_sha256 } : {}),
      ...(row.size_bytes !== null ? { sizeBytes: row.size_bytes } : {}),
    },
    ...(row.dtype ? { dtype: row.dtype } : {}),
    ...(row.role ? { role: row.role } : {}),
    after: JSON.parse(row.after) as string[],
    state: row.state,
    attempts: row.attempts,
    ...(row.handed_back > 0 ? { handedBack: row.handed_back } : {}),
    maxAttempts: row.max_attempts,
    ...(row.lease_owner ? { leaseOwner: row.lease_owner } : {}),
    ...(row.lease_expires_at ? { leaseExpiresAt: row.lease_expires_at } : {}),
    createdAt: row.created_at,
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.fault ? { fault: row.fault } : {}),
    ...(row.output ? { output: row.output } : {}),
    ...(row.outcome ? { outcome: row.outcome } : {}),
    ...(row.trace ? { trace: JSON.parse(row.trace) as Record<string, string> } : {}),
    ...(row.revision !== null ? { revision: row.revision } : {}),
  };
}
