// A lease as the worker reads it: the server's answer is untrusted input. Every field the worker uses is checked
// against its format (a job id is a UUID, an attempt a positive whole number, a sha256 64 hex digits, the URL an
// http(s) URL of bounded length, the platform the worker's own) before any of it reaches a path, a URL or a
// command line; fields it does not use are ignored. A lease that fails is refused, and reported to the server
// when its job id and attempt are usable.
import { z } from "zod";
import { checkpointId } from "../../src/contract/common.ts";
import { formatProblem, problemsFromZod } from "../../src/contract/parse.ts";
import { strangerText } from "../../src/text/control.ts";

/** The largest lease answer read: a lease is a few hundred bytes. */
export const maxLeaseBytes = 64 * 1024;

const jobId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "a job id (a lowercase UUID)");
const attempt = z.number().int().min(1).max(1_000_000);

const url = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const parsed = new URL(text);
      return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.username === "" && parsed.password === "";
    } catch {
      return false;
    }
  }, "an http or https URL without credentials, at most 2048 characters");

export const workerLease = z.object({
  job: z.object({
    job: jobId,
    kind: z.enum(["verify-unpickling", "log-run"]),
    platform: z.string().max(100),
    checkpoint: z.object({
      id: checkpointId,
      url,
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, "a lowercase sha256")
        .optional(),
      sizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    }),
    dtype: z.enum(["float64", "float32", "float16", "bfloat16"]).optional(),
  }),
  attempt,
  leaseSeconds: z.number().min(1).max(86_400),
});
export type Lease = z.output<typeof workerLease>;

export type LeaseReading = { ok: true; lease: Lease } | { ok: false; problem: string; job?: string; attempt?: number };

/** The lease in `doc` for a worker of `platform`, or why it is refused (with the job and attempt, when usable). */
export function readLease(doc: unknown, platform: string): LeaseReading {
  const parsed = workerLease.safeParse(doc);
  const problem = parsed.success
    ? parsed.data.job.platform === platform
      ? undefined
      : `job.platform: ${JSON.stringify(parsed.data.job.platform)} is not this worker's platform ${platform}`
    : problemsFromZod(parsed.error, doc).slice(0, 5).map(formatProblem).join("; ");
  if (parsed.success && problem === undefined) return { ok: true, lease: parsed.data };
  const raw = doc as { job?: { job?: unknown }; attempt?: unknown } | null;
  const usableJob = jobId.safeParse(raw?.job?.job);
  const usableAttempt = attempt.safeParse(raw?.attempt);
  return {
    ok: false,
    problem: strangerText(problem ?? "", 1000),
    ...(usableJob.success ? { job: usableJob.data } : {}),
    ...(usableAttempt.success ? { attempt: usableAttempt.data } : {}),
  };
}
