// A job as the database holds it (one row of `jobs`) and as the API shows it, and the platforms a server plans
// jobs for (`serve --platforms`).
import type { Job, JobFault, JobKind, JobState } from "../api/wire.ts";

export type TraceDtype = "float64" | "float32" | "float16" | "bfloat16";

export interface PlatformPlan {
  key: string;
  /** The precision of the platform's own log-run. */
  dtype: TraceDtype;
}

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
    checkpoint: { id: row.checkpoint_id, url: row.url, ...(row.checkpoint_sha256 ? { sha256: row.checkpoint_sha256 } : {}), ...(row.size_bytes !== null ? { sizeBytes: row.size_bytes } : {}) },
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

/** "linux-x86_64-cuda:bfloat16,linux-x86_64-cpu" -> plans; the dtype defaults to float32. */
export function parsePlatforms(text: string): PlatformPlan[] {
  const plans: PlatformPlan[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [key, dtype = "float32", ...rest] = part.split(":");
    if (!/^[a-z0-9_.]+-[a-z0-9_.]+-[a-z0-9_.]+$/.test(key!) || rest.length > 0) throw new Error(`"${part}" is not a platform key such as linux-x86_64-cuda, optionally with :DTYPE`);
    if (!["float64", "float32", "float16", "bfloat16"].includes(dtype)) throw new Error(`"${part}": the dtype must be float64, float32, float16 or bfloat16`);
    if (plans.some((p) => p.key === key)) throw new Error(`platform ${key} is listed twice`);
    plans.push({ key: key!, dtype: dtype as TraceDtype });
  }
  return plans;
}
