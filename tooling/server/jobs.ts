// Verification jobs: per registered checkpoint and configured platform, verify-unpickling then log-run, leased
// by workers of that platform; a CPU float64 log-run as the reference; compare-runs of each platform's trace
// against it, run here once both exist. Results become evidence with update-metadata's rule, in the same
// transaction that records them, so a result sent twice, or late after its lease was given to another
// worker, changes nothing twice.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { traceIndex } from "../../src/contract/records/trace.ts";
import { verificationResult } from "../../src/contract/records/verification.ts";
import { applyEvidence, type EvidenceUpdate } from "../../src/evidence/apply.ts";
import { evidenceFromResult, ResultError } from "../../src/evidence/from-result.ts";
import { formatRegistryProblem } from "../../src/registry/problem.ts";
import type { Job, JobKind, JobResultRequest, JobState } from "./api-schemas.ts";
import type { BlobStore } from "./blobs.ts";
import { now, transaction, type Database } from "./database.ts";
import type { EntryStore } from "./entry-store.ts";
import { toolFor } from "../repo.ts";
import { conflict, HttpProblem, notFound } from "./problems.ts";

export type TraceDtype = "float64" | "float32" | "float16" | "bfloat16";

export interface PlatformPlan {
  key: string;
  /** The precision of the platform's own log-run. */
  dtype: TraceDtype;
}

export interface JobsOptions {
  platforms: readonly PlatformPlan[];
  /** The platform that runs the float64 reference; none: no log-run reference and no comparison. */
  referencePlatform: string | undefined;
  leaseSeconds: number;
  maxAttempts: number;
  /** Runs compare-runs on two trace folders; returns its --json record. */
  compare: (reference: Record<string, string>, candidate: Record<string, string>) => Promise<unknown>;
  log: (message: string) => void;
}

interface Row {
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
  outcome: string | null;
  trace: string | null;
  revision: number | null;
}

const live: readonly JobState[] = ["waiting", "queued", "leased"];

function toJob(row: Row): Job {
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
    ...(row.outcome ? { outcome: row.outcome } : {}),
    ...(row.trace ? { trace: JSON.parse(row.trace) as Record<string, string> } : {}),
    ...(row.revision !== null ? { revision: row.revision } : {}),
  };
}

/**
 * A verification the scan refused before Python started says nothing about the platform, but it is why the
 * checkpoint is not run there: recorded as a failed unpickle check of the job's platform, with the scan's reason.
 */
function refusalEvidence(row: Row, result: Record<string, unknown>): EvidenceUpdate | undefined {
  const parsed = verificationResult.safeParse(result);
  if (!parsed.success || parsed.data.status !== "refused-unsafe") return undefined;
  const r = parsed.data;
  if (row.checkpoint_sha256 && r.checkpointSha256 && r.checkpointSha256 !== row.checkpoint_sha256) return undefined;
  const [os, arch] = row.platform.split("-");
  return {
    platform: row.platform,
    runId: r.runId,
    evidence: {
      check: "unpickle",
      result: "fail",
      summary: `refused-unsafe: ${r.summary}`.slice(0, 500),
      date: r.date,
      tool: r.tool,
      environment: { os: os!, arch: arch! },
      ...(r.checkpointSha256 ? { checkpointSha256: r.checkpointSha256 } : {}),
      details: { runId: r.runId, status: r.status, requirements: r.requirements },
    },
  };
}

/** A platform's run that failed on its last attempt, as a failed run check with the worker's reason. */
function runFailure(row: Row, reason: string): EvidenceUpdate {
  const [os, arch] = row.platform.split("-");
  return {
    platform: row.platform,
    runId: `job-${row.id}-${row.attempts}`,
    evidence: {
      check: "run",
      result: "fail",
      summary: `log-run failed ${row.attempts - row.handed_back} times: ${reason.split("\n")[0]}`.slice(0, 500),
      date: now(),
      tool: toolFor("worker"),
      environment: { os: os!, arch: arch! },
      ...(row.checkpoint_sha256 ? { checkpointSha256: row.checkpoint_sha256 } : {}),
      details: { runId: `job-${row.id}-${row.attempts}`, job: row.id, dtype: row.dtype, reason: reason.slice(0, 3000) },
    },
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

export class JobQueue {
  readonly #db: Database;
  readonly #store: EntryStore;
  readonly #blobs: BlobStore;
  readonly #options: JobsOptions;
  /** Wakes long polls of a platform when one of its jobs is queued. */
  readonly #queued = new EventEmitter().setMaxListeners(0);
  #sweeper: NodeJS.Timeout | undefined;
  #comparing = new Set<string>();
  #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(db: Database, store: EntryStore, blobs: BlobStore, options: JobsOptions) {
    this.#db = db;
    this.#store = store;
    this.#blobs = blobs;
    this.#options = options;
  }

  get platforms(): readonly PlatformPlan[] {
    return this.#options.platforms;
  }

  /** Expires leases now and then, and runs the comparisons a stopped server left queued. */
  start(): void {
    // Comparisons this server was running when it stopped run again (they are the server's own, not a worker's).
    this.#db.prepare("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, handed_back = handed_back + 1 WHERE kind = 'compare-runs' AND state = 'leased'").run();
    const every = Math.max(250, Math.min(5_000, (this.#options.leaseSeconds * 1000) / 4));
    this.#sweeper = setInterval(() => this.expireLeases(), every).unref();
    this.expireLeases();
    this.#runComparisons();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#queued.emit("close");
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Settles when no comparison is running (tests). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * The jobs that verify checkpoint `id` on every configured platform; inside the caller's transaction when it
   * has one (a registration creates them with its entry). Live jobs for the same file are returned, not doubled.
   */
  plan(checkpointId: string, source = this.#store.get(checkpointId)?.entry.source): Job[] {
    if (!source) throw notFound(`no checkpoint "${checkpointId}"`);
    if (this.#options.platforms.length === 0) return [];
    const { url, sha256, sizeBytes } = source;
    const existing = this.#db
      .prepare(`SELECT * FROM jobs WHERE checkpoint_id = ? AND coalesce(checkpoint_sha256, '') = ? AND state IN (${live.map(() => "?").join(", ")}) ORDER BY created_at, rowid`)
      .all(checkpointId, sha256 ?? "", ...live) as unknown as Row[];
    if (existing.length > 0) return existing.map(toJob);
    const { platforms, referencePlatform, maxAttempts } = this.#options;
    const created: string[] = [];
    const insert = (kind: JobKind, platform: string, after: string[], extra: { dtype?: TraceDtype; role?: "reference" | "candidate" } = {}) => {
      const id = randomUUID();
      this.#db
        .prepare("INSERT INTO jobs (id, checkpoint_id, checkpoint_sha256, url, size_bytes, platform, kind, dtype, role, after, state, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(id, checkpointId, sha256 ?? null, url, sizeBytes ?? null, platform, kind, extra.dtype ?? null, extra.role ?? null, JSON.stringify(after), after.length > 0 ? "waiting" : "queued", maxAttempts, now());
      created.push(id);
      return id;
    };
    const work = () => {
      const verified = new Map<string, string>();
      for (const p of platforms) verified.set(p.key, insert("verify-unpickling", p.key, []));
      const reference = referencePlatform ? insert("log-run", referencePlatform, [verified.get(referencePlatform)!], { dtype: "float64", role: "reference" }) : undefined;
      for (const p of platforms) {
        const run = insert("log-run", p.key, [verified.get(p.key)!], reference ? { dtype: p.dtype, role: "candidate" } : { dtype: p.dtype });
        if (reference) insert("compare-runs", p.key, [reference, run]);
      }
    };
    if (this.#db.isTransaction) work();
    else transaction(this.#db, work);
    this.#notify();
    return created.map((id) => toJob(this.#row(id)!));
  }

  list(filter: { state?: JobState | undefined; platform?: string | undefined; checkpoint?: string | undefined; limit?: number | undefined }): { jobs: Job[]; counts: Record<string, number> } {
    this.expireLeases();
    const where: string[] = [];
    const values: string[] = [];
    if (filter.state) (where.push("state = ?"), values.push(filter.state));
    if (filter.platform) (where.push("platform = ?"), values.push(filter.platform));
    if (filter.checkpoint) (where.push("checkpoint_id = ?"), values.push(filter.checkpoint));
    const rows = this.#db.prepare(`SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(...values, filter.limit ?? 500) as unknown as Row[];
    const counts = Object.fromEntries((this.#db.prepare("SELECT state, count(*) AS n FROM jobs GROUP BY state").all() as Array<{ state: string; n: number }>).map((r) => [r.state, Number(r.n)]));
    return { jobs: rows.map(toJob), counts };
  }

  get(id: string): Job | undefined {
    const row = this.#row(id);
    return row ? toJob(row) : undefined;
  }

  /** Gives the oldest queued job of `platform` to `worker`, waiting up to `waitMs` for one; undefined if none. */
  async lease(worker: string, platform: string, waitMs: number, gone: () => boolean): Promise<{ job: Job; attempt: number; leaseSeconds: number } | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (gone() || this.#closed) return undefined;
      this.expireLeases();
      const taken = this.#take(worker, platform);
      if (taken) return { job: toJob(taken), attempt: taken.attempts, leaseSeconds: this.#options.leaseSeconds };
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#queued.off(platform, done).off("close", done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 5_000));
        this.#queued.once(platform, done).once("close", done);
      });
    }
  }

  /** Extends the lease of `attempt`; a 409 when the worker no longer holds the job. */
  heartbeat(id: string, attempt: number): { leaseExpiresAt: string } {
    const row = this.#held(id, attempt);
    const leaseExpiresAt = this.#expiry();
    this.#db.prepare("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND state = 'leased' AND attempts = ?").run(leaseExpiresAt, row.id, attempt);
    return { leaseExpiresAt };
  }

  /** Records the end of a leased job; `duplicate` when this attempt's result was recorded before. */
  finish(id: string, request: JobResultRequest): { job: Job; duplicate: boolean } {
    const seen = this.#db.prepare("SELECT status FROM job_results WHERE job_id = ? AND attempt = ?").get(id, request.attempt) as { status: string } | undefined;
    if (seen) return { job: toJob(this.#row(id)!), duplicate: true };
    const row = this.#held(id, request.attempt);
    const record = () => this.#db.prepare("INSERT INTO job_results (job_id, attempt, status, received_at) VALUES (?, ?, ?, ?)").run(id, request.attempt, request.status, now());
    if (request.status === "released") {
      transaction(this.#db, () => {
        record();
        // Handing a job back is not a failed attempt.
        this.#db.prepare("UPDATE jobs SET state = 'queued', handed_back = handed_back + 1, lease_owner = NULL, lease_expires_at = NULL, reason = ? WHERE id = ?").run(`handed back by ${row.lease_owner}${request.reason ? `: ${request.reason}` : ""}`, id);
      });
      this.#notify();
      return { job: toJob(this.#row(id)!), duplicate: false };
    }
    if (request.status === "failed") {
      const reason = request.reason ?? "the worker could not run the job (no reason given)";
      // A platform's own run that fails on every attempt, after its verification passed there, is evidence about
      // the platform (a missing kernel, too little memory), recorded with the reason; a lost lease is not.
      const last = row.attempts - row.handed_back >= row.max_attempts;
      const failure = last && row.kind === "log-run" && row.role !== "reference" ? runFailure(row, reason) : undefined;
      this.#store.commit(failure ? this.#evidenceWrites(row, failure) : [], `job ${row.id} (${row.kind} on ${row.platform}) failed`, () => {
        record();
        this.#failedAttempt(row, reason);
      });
      this.#notify();
      return { job: toJob(this.#row(id)!), duplicate: false };
    }
    const { update, outcome, trace, passed } = this.#evidenceOf(row, request);
    this.#record(row, update, outcome, trace, record, passed);
    return { job: toJob(this.#row(id)!), duplicate: false };
  }

  /** Returns jobs whose lease ran out to the queue (or fails them after their last attempt). */
  expireLeases(): void {
    const expired = this.#db.prepare("SELECT * FROM jobs WHERE state = 'leased' AND lease_expires_at < ?").all(now()) as unknown as Row[];
    if (expired.length === 0) return;
    transaction(this.#db, () => {
      for (const row of expired) this.#failedAttempt(row, `the lease of ${row.lease_owner} expired at ${row.lease_expires_at} (the worker stopped answering)`);
    });
    this.#notify();
  }

  #row(id: string): Row | undefined {
    return this.#db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
  }

  #expiry(): string {
    return new Date(Date.now() + this.#options.leaseSeconds * 1000).toISOString();
  }

  /** The job as leased by `attempt`, or the problem that says why it is not. */
  #held(id: string, attempt: number): Row {
    const row = this.#row(id);
    if (!row) throw notFound(`no job ${id}`);
    if (row.state !== "leased" || row.attempts !== attempt) {
      throw conflict(`job ${id} is not leased as attempt ${attempt} (it is ${row.state}${row.state === "leased" ? ` as attempt ${row.attempts}, by ${row.lease_owner}` : ""}); stop working on it, its result would be ignored`);
    }
    return row;
  }

  #take(worker: string, platform: string): Row | undefined {
    return transaction(this.#db, () => {
      const row = this.#db.prepare("SELECT * FROM jobs WHERE state = 'queued' AND platform = ? AND kind <> 'compare-runs' ORDER BY created_at, rowid LIMIT 1").get(platform) as Row | undefined;
      if (!row) return undefined;
      this.#db.prepare("UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, started_at = coalesce(started_at, ?) WHERE id = ?").run(worker, this.#expiry(), now(), row.id);
      this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${platform}) leased to ${worker}, attempt ${row.attempts + 1}`);
      return this.#row(row.id);
    });
  }

  #failedAttempt(row: Row, reason: string): void {
    const counted = row.attempts - row.handed_back;
    if (counted >= row.max_attempts) {
      this.#db.prepare("UPDATE jobs SET state = 'failed', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL, reason = ? WHERE id = ?").run(now(), `${reason} (attempt ${counted} of ${row.max_attempts})`, row.id);
      this.#cancelDependents(row.id, `${row.kind} on ${row.platform} failed`);
      this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${row.platform}) failed: ${reason}`);
    } else {
      this.#db.prepare("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, reason = ? WHERE id = ?").run(reason, row.id);
      this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${row.platform}) queued again: ${reason}`);
    }
  }

  /** Jobs waiting on `id`, and those waiting on them, will not run. */
  #cancelDependents(id: string, why: string): void {
    const waiting = this.#db.prepare("SELECT id FROM jobs WHERE state = 'waiting' AND EXISTS (SELECT 1 FROM json_each(jobs.after) WHERE value = ?)").all(id) as Array<{ id: string }>;
    for (const { id: dependent } of waiting) {
      this.#db.prepare("UPDATE jobs SET state = 'cancelled', finished_at = ?, reason = ? WHERE id = ?").run(now(), `not run: ${why}`, dependent);
      this.#cancelDependents(dependent, why);
    }
  }

  /** Jobs whose every predecessor is done become queued. */
  #release(id: string): void {
    const waiting = this.#db.prepare("SELECT id, after FROM jobs WHERE state = 'waiting' AND EXISTS (SELECT 1 FROM json_each(jobs.after) WHERE value = ?)").all(id) as Array<{ id: string; after: string }>;
    for (const w of waiting) {
      const after = JSON.parse(w.after) as string[];
      const done = this.#db.prepare(`SELECT count(*) AS n FROM jobs WHERE state = 'done' AND id IN (${after.map(() => "?").join(", ")})`).get(...after) as { n: number };
      if (Number(done.n) === after.length) this.#db.prepare("UPDATE jobs SET state = 'queued' WHERE id = ?").run(w.id);
    }
  }

  /** What a finished job's result says, checked against the job; an HTTP problem for a result that does not fit. */
  #evidenceOf(row: Row, request: JobResultRequest): { update: EvidenceUpdate | undefined; outcome: string; trace?: Record<string, string>; passed: boolean } {
    const bad = (detail: string) => new HttpProblem(422, "unprocessable", "Result not accepted", `job ${row.id}: ${detail}`);
    if (row.kind === "verify-unpickling") {
      if (!request.result) throw bad("a verify-unpickling job ends with its result record (result)");
      const refusal = refusalEvidence(row, request.result);
      if (refusal) return { update: refusal, outcome: "refused-unsafe", passed: false };
      let read: ReturnType<typeof evidenceFromResult>;
      try {
        read = evidenceFromResult(request.result, `the result of job ${row.id}`);
      } catch (error) {
        if (error instanceof ResultError) throw bad(error.message);
        throw error;
      }
      if (read.identity.checkpointSha256 && row.checkpoint_sha256 && read.identity.checkpointSha256 !== row.checkpoint_sha256) throw bad(`the result is for the file ${read.identity.checkpointSha256}, the job for ${row.checkpoint_sha256}`);
      if (read.update.platform !== row.platform) throw bad(`the result ran on ${read.update.platform}, the job is for ${row.platform}`);
      const status = String((request.result as { status?: unknown }).status);
      return { update: read.update, outcome: status, passed: status === "ok" };
    }
    if (row.kind === "log-run") {
      if (!request.trace) throw bad("a log-run job ends with its trace files (trace), uploaded first as blobs");
      for (const [name, sha] of Object.entries(request.trace)) if (!this.#blobs.has(sha)) throw bad(`${name} (${sha}) was not uploaded; PUT it to /api/v1/blobs/${sha} first`);
      const parsed = traceIndex.safeParse(this.#blobs.readJson(request.trace["index.json"], 64 * 1024 * 1024));
      if (!parsed.success) throw bad("index.json is not a log-run trace index");
      const index = parsed.data;
      if (row.checkpoint_sha256 && index.checkpoint.sha256 !== row.checkpoint_sha256) throw bad(`the trace is of the file ${index.checkpoint.sha256}, the job is for ${row.checkpoint_sha256}`);
      if (row.dtype && index.input.dtype !== row.dtype) throw bad(`the trace ran in ${index.input.dtype}, the job asked for ${row.dtype}`);
      const [os, arch] = row.platform.split("-");
      const update: EvidenceUpdate = {
        platform: row.platform,
        runId: index.runId,
        evidence: {
          check: "run",
          result: "pass",
          summary: `ran on dummy input in ${index.input.dtype} on ${index.input.device} (${index.path}, ${index.modules.length} module calls)`,
          date: now(),
          tool: index.tool,
          environment: { os: os!, arch: arch!, ...(typeof index.environment.torch === "string" ? { torch: index.environment.torch } : {}), ...(typeof index.environment.python === "string" ? { python: index.environment.python } : {}) },
          checkpointSha256: index.checkpoint.sha256,
          details: { runId: index.runId, dtype: index.input.dtype, device: index.input.device, path: index.path, timingsSeconds: index.timingsSeconds, peakMemoryBytes: index.peakMemoryBytes, trace: request.trace },
        },
      };
      // The reference run says nothing about its platform beyond the candidate run of the same platform.
      return { update: row.role === "reference" ? undefined : update, outcome: `traced ${index.modules.length} module calls in ${index.input.dtype}`, trace: request.trace, passed: true };
    }
    throw bad("compare-runs jobs are run by the server, not leased");
  }

  /** The entry's write that adds `update`; none when the entry is gone or now names another file. */
  #evidenceWrites(row: Row, update: EvidenceUpdate): ReturnType<EntryStore["plan"]>["writes"] {
    const loaded = this.#store.get(row.checkpoint_id);
    if (!loaded) return [];
    if (loaded.entry.source.sha256 && row.checkpoint_sha256 && loaded.entry.source.sha256 !== row.checkpoint_sha256) {
      this.#options.log(`job ${row.id}: ${row.checkpoint_id} now has another file; its evidence is not recorded`);
      return [];
    }
    const { doc } = applyEvidence(loaded.entry as unknown as Record<string, unknown>, [update]);
    const planned = this.#store.plan([{ id: row.checkpoint_id, entry: doc }]);
    if (planned.problems.length > 0) throw new Error(`job ${row.id}: the entry with its evidence is not valid:\n${planned.problems.map(formatRegistryProblem).join("\n")}`);
    return planned.writes;
  }

  /** Commits a job's evidence to its entry, its state and its dependents' in one transaction. */
  #record(row: Row, update: EvidenceUpdate | undefined, outcome: string, trace: Record<string, string> | undefined, alongside: () => void, passed = true): void {
    this.#store.commit(update ? this.#evidenceWrites(row, update) : [], `job ${row.id} (${row.kind} on ${row.platform})`, (revision) => {
      alongside();
      this.#db
        .prepare("UPDATE jobs SET state = 'done', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL, outcome = ?, trace = ?, revision = ? WHERE id = ?")
        .run(now(), outcome.slice(0, 500), trace ? JSON.stringify(trace) : null, revision ?? null, row.id);
      if (passed) this.#release(row.id);
      else this.#cancelDependents(row.id, `${row.kind} on ${row.platform} did not pass (${outcome})`);
    });
    this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${row.platform}) done: ${outcome}`);
    this.#notify();
  }

  /** Wakes long polls of platforms with queued jobs, and starts queued comparisons. */
  #notify(): void {
    const platforms = this.#db.prepare("SELECT DISTINCT platform FROM jobs WHERE state = 'queued' AND kind <> 'compare-runs'").all() as Array<{ platform: string }>;
    for (const { platform } of platforms) this.#queued.emit(platform);
    this.#runComparisons();
  }

  #runComparisons(): void {
    if (this.#closed) return;
    const due = this.#db.prepare("SELECT * FROM jobs WHERE state = 'queued' AND kind = 'compare-runs'").all() as unknown as Row[];
    for (const row of due) {
      if (this.#comparing.has(row.id)) continue;
      this.#comparing.add(row.id);
      const work = this.#compare(row).finally(() => {
        this.#comparing.delete(row.id);
        this.#inFlight.delete(work);
      });
      this.#inFlight.add(work);
    }
  }

  async #compare(row: Row): Promise<void> {
    const [referenceId, candidateId] = JSON.parse(row.after) as [string, string];
    const traceOf = (id: string) => JSON.parse(this.#row(id)?.trace ?? "null") as Record<string, string> | null;
    const reference = traceOf(referenceId);
    const candidate = traceOf(candidateId);
    this.#db.prepare("UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = 'server', lease_expires_at = ?, started_at = coalesce(started_at, ?) WHERE id = ? AND state = 'queued'").run(new Date(Date.now() + 3_600_000).toISOString(), now(), row.id);
    const leased = this.#row(row.id)!;
    try {
      if (!reference || !candidate) throw new Error("a trace it compares is missing");
      const record = await this.#options.compare(reference, candidate);
      if (this.#closed) return;
      const read = evidenceFromResult(record, `the comparison of job ${row.id}`);
      const verdict = String((record as { verdict?: unknown }).verdict);
      this.#record(leased, { ...read.update, platform: row.platform }, `${verdict}: ${String((record as { summary?: unknown }).summary ?? "").slice(0, 300)}`, undefined, () => {
        this.#db.prepare("INSERT INTO job_results (job_id, attempt, status, received_at) VALUES (?, ?, 'done', ?)").run(row.id, leased.attempts, now());
      });
    } catch (error) {
      if (this.#closed) return;
      transaction(this.#db, () => this.#failedAttempt(this.#row(row.id)!, `compare-runs could not run: ${(error as Error).message}`.slice(0, 2000)));
      this.#notify();
    }
  }
}
