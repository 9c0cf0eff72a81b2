// The server's HTTP contract, shared by the server and its clients (the worker, `jobs`, `sync-entries`): every
// request body and every response document as a Zod schema. The server parses requests with them; responses are
// typed by them and checked against them in the tests; the OpenAPI document (tooling/server/openapi.ts) is
// generated from them.
import { z } from "zod";
import { checkpointId, entrySchema, httpUrl } from "../../src/contract/index.ts";
import { traceDtypes } from "../../src/contract/records/trace.ts";
import { storeDocument } from "../../src/fiab/store-contract.ts";
import { runnablePlatformKeyPattern } from "../../src/platform/platform-key.ts";

export const apiBase = "/api/v1";

/** The longest URL a registration accepts (real checkpoint URLs are a few hundred characters). */
export const maxUrlLength = 2048;

export const registerRequest = z
  .strictObject({
    url: httpUrl.max(maxUrlLength).describe("The checkpoint's download URL (http or https); the server reads it with Range requests."),
    id: checkpointId.optional().describe("The checkpoint id; default: the id of the entry with this URL, else the URL's file name without .ckpt."),
  })
  .describe("A checkpoint to register.");
export type RegisterRequest = z.output<typeof registerRequest>;

export const registrationStates = ["queued", "extracting", "registered", "failed"] as const;
export type RegistrationState = (typeof registrationStates)[number];

const timestamp = z.string().describe("An ISO 8601 time in UTC.");

export const registration = z
  .strictObject({
    registration: z.string().describe("The registration's id."),
    url: z.string().describe("The checkpoint URL, normalised."),
    id: checkpointId,
    state: z.enum(registrationStates).describe("queued, extracting (being read), registered (the entry is published), failed (see reason)."),
    createdAt: timestamp,
    startedAt: timestamp.optional(),
    finishedAt: timestamp.optional(),
    attempts: z.number().describe("How many times reading the checkpoint was started."),
    reason: z.string().optional().describe("Why it failed, or why the last attempt failed when it will be retried."),
    warnings: z.array(z.string()).optional().describe("What extraction noticed (guessed fields, kept values)."),
    revision: z.number().optional().describe("The registry revision that published the entry; absent when nothing changed."),
    location: z.string().describe("Where this registration's state is read."),
  })
  .describe("A registration: a checkpoint URL being read into an entry.");
export type Registration = z.output<typeof registration>;

/** Built on first use: the entry schema is the largest part of the contract. */
export function checkpointsDocument() {
  return z
    .strictObject({
      schemaVersion: z.number(),
      revision: z.number().describe("The registry revision: it grows with every change to the entries."),
      checkpoints: z.record(checkpointId, entrySchema("consuming")),
    })
    .describe("Every entry: the static modelRegistry.json with the revision it shows.");
}

export const fiabStore = storeDocument.describe("The artifact store that an unmodified FIAB of the contract version reads.");

export const problem = z
  .looseObject({
    type: z.string().describe("A URI that names the kind of problem."),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .describe("Each invalid field of a request."),
  })
  .describe("An error, as an RFC 9457 problem document.");
export type Problem = z.output<typeof problem>;

export const health = z
  .strictObject({
    status: z.literal("ok"),
    revision: z.number(),
    entries: z.number(),
    registrations: z.strictObject({ queued: z.number(), extracting: z.number() }),
  })
  .describe("Whether the server is up, and its queue.");

const revisionNumber = z.string().regex(/^\d{1,15}$/, "a revision number");

/** `since` defaults to the revision that imported the entries folder the server started from (else 0). */
export const changesQuery = z.object({
  since: revisionNumber.optional().describe("List entries changed after this registry revision (sync-entries passes the last one it wrote)."),
});

export const changesDocument = z
  .strictObject({
    since: z.number(),
    revision: z.number().describe("The registry revision now."),
    changes: z.array(z.strictObject({ id: checkpointId, revision: z.number().describe("The revision that last changed it.") })),
  })
  .describe("The entries changed after a revision: what sync-entries writes back to the entries folder.");

export const checkpointQuery = z.object({
  revision: revisionNumber.optional().describe("The entry as it was at this registry revision (404 when it did not exist then)."),
});

// Other parameters (a cache buster) are ignored.
export const checkpointsQuery = z.object({
  contract: z.enum(["core-1", "core-2"]).optional().describe("Answer with the FIAB store of this contract version instead."),
});

export const jobKinds = ["verify-unpickling", "log-run", "compare-runs"] as const;
export type JobKind = (typeof jobKinds)[number];
export const jobStates = ["waiting", "queued", "leased", "done", "failed", "cancelled"] as const;
export type JobState = (typeof jobStates)[number];

const platformKey = z.string().regex(runnablePlatformKeyPattern, 'a platform key such as "linux-x86_64-cuda"');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase sha256");
const traceDtype = z.enum(traceDtypes);

/** Whose failure a failed job was: the checkpoint's own (evidence), or the worker's environment (never evidence). */
export const jobFaults = ["checkpoint", "environment"] as const;
export type JobFault = (typeof jobFaults)[number];
/** The cap of a job's stderr tail (escaped), as the verification record caps the checkpoint's words. */
export const jobOutputChars = 2000;

export const job = z
  .strictObject({
    job: z.string().describe("The job's id."),
    kind: z.enum(jobKinds).describe("verify-unpickling and log-run run on a worker of the platform; compare-runs runs on the server."),
    platform: platformKey.describe("Where it runs (compare-runs: the platform whose run it judges)."),
    checkpoint: z.strictObject({ id: checkpointId, url: z.string(), sha256: sha256Hex.optional(), sizeBytes: z.number().optional() }),
    dtype: traceDtype.optional().describe("log-run: the precision of the run."),
    role: z.enum(["reference", "candidate"]).optional().describe("log-run: the CPU float64 reference, or a run judged against it."),
    after: z.array(z.string()).describe("Jobs that must be done first."),
    state: z
      .enum(jobStates)
      .describe("waiting (for the jobs in after), queued, leased (a worker runs it), done, failed (see reason), cancelled (a job it waited for did not pass)."),
    attempts: z.number().describe("How many times it was leased; each lease is attempt n, sent with its heartbeats and result."),
    handedBack: z.number().optional().describe("Leases handed back by their worker (SIGTERM); they do not count against maxAttempts."),
    maxAttempts: z.number(),
    leaseOwner: z.string().optional(),
    leaseExpiresAt: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    reason: z.string().optional().describe("Why it failed or was cancelled, or why its last attempt ended."),
    fault: z
      .enum(jobFaults)
      .optional()
      .describe(
        "Whose failure its last failed attempt was: the checkpoint's (recorded as evidence when it is final) or the worker's environment (retried on another worker, never evidence).",
      ),
    output: z
      .string()
      .optional()
      .describe("The last lines of stderr of its last failed attempt, control characters escaped: for a checkpoint's failure, its own words."),
    outcome: z.string().optional().describe("What it found, in one line (e.g. the verification status, the verdict)."),
    trace: z.record(z.string(), sha256Hex).optional().describe("log-run: the trace's files as uploaded blobs (name -> sha256)."),
    revision: z.number().optional().describe("The registry revision that recorded its evidence."),
  })
  .describe("A verification job.");
export type Job = z.output<typeof job>;

export const jobsQuery = z.object({
  state: z.enum(jobStates).optional(),
  platform: platformKey.optional(),
  checkpoint: checkpointId.optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "a number up to 9999")
    .optional()
    .describe("At most this many, newest first (default 500)."),
});

export const jobsDocument = z
  .strictObject({ jobs: z.array(job), counts: z.record(z.string(), z.number()).describe("Jobs per state, over all jobs.") })
  .describe("Verification jobs.");

export const leaseRequest = z
  .strictObject({
    worker: z.string().min(1).max(200).describe("The worker's name (host and process), shown as the lease owner."),
    platform: platformKey.describe("The platform the worker runs."),
    waitSeconds: z.number().min(0).max(60).optional().describe("Wait up to this long for a job (long poll; default 0)."),
  })
  .describe("A worker asking for a job of its platform.");

export const lease = z
  .strictObject({
    job: job,
    attempt: z.number().describe("Send it with heartbeats and the result."),
    leaseSeconds: z.number().describe("Send a heartbeat well within this."),
  })
  .describe("A job leased to a worker.");

export const heartbeatRequest = z.strictObject({ attempt: z.number().int().positive() }).describe("A worker still running its job.");

export const jobResultRequest = z
  .strictObject({
    attempt: z.number().int().positive(),
    status: z
      .enum(["done", "failed", "released"])
      .describe(
        "done: the check ran (whatever it found); failed: it could not run or the checkpoint failed (see fault); released: handed back unstarted or interrupted (SIGTERM).",
      ),
    reason: z.string().max(4000).optional(),
    fault: z
      .enum(jobFaults)
      .optional()
      .describe(
        "failed: checkpoint (its own failure: evidence once final) or environment (the worker's: no index, disk full, host out of memory; retried on another worker, never evidence). Absent: environment.",
      ),
    deterministic: z
      .boolean()
      .optional()
      .describe(
        "failed: whether running again on the same kind of host gives the same result; a deterministic checkpoint failure is recorded at once, not retried.",
      ),
    output: z.string().max(8000).optional().describe("failed: the last lines of the command's stderr (the server escapes and caps them)."),
    checkpoint: z
      .strictObject({ sha256: sha256Hex, sizeBytes: z.number().int().nonnegative() })
      .optional()
      .describe("The file the worker downloaded and hashed: recorded on an entry that has no sha256; one that disagrees with the entry flags it."),
    result: z.record(z.string(), z.unknown()).optional().describe("verify-unpickling: its result record."),
    trace: z
      .strictObject({ "index.json": sha256Hex, "samples.f64": sha256Hex, "outputs.f64": sha256Hex })
      .optional()
      .describe("log-run: the trace files, uploaded first as blobs."),
  })
  .describe("The end of a leased job.");
export type JobResultRequest = z.output<typeof jobResultRequest>;

export const verifyResponse = z.strictObject({ jobs: z.array(job) }).describe("The jobs a verification request created (or the live ones it found).");
