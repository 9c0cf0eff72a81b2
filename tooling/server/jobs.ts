// Verification jobs: per registered checkpoint and configured platform, verify-unpickling then log-run, leased
// by workers of that platform; a CPU float64 log-run as the reference; compare-runs of each platform's trace
// against it, run here once both exist. Results become evidence (src/evidence/) with update-metadata's rule, in
// the same transaction that records them, so a result sent twice, or late after its lease was given to another
// worker, changes nothing twice. Only the checkpoint's own failures become evidence (a deterministic one at
// once); the worker's environment failing is retried on another worker of the platform and never is.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { EvidenceUpdate } from "../../src/evidence/apply.ts";
import { summaryLine } from "../../src/evidence/checkpoint-words.ts";
import { evidenceFromResult } from "../../src/evidence/from-result.ts";
import type { FileObservation } from "../../src/evidence/observed-file.ts";
import { runFailureEvidence } from "../../src/evidence/run.ts";
import { toolFor } from "../repo.ts";
import type { Job, JobKind, JobResultRequest, JobState } from "../api/wire.ts";
import type { BlobStore } from "./blobs.ts";
import { aggregateRow, allRows, getRow, now, transaction, type Database } from "./database.ts";
import type { EntryStore } from "./entry-store.ts";
import { entryWrites, fileOfResult } from "./job-entry.ts";
import { outcomeOf, type Failure, type Finished } from "./job-outcome.ts";
import { live, toJob, type PlatformPlan, type Row, type TraceDtype } from "./job-row.ts";
import { conflict, notFound } from "./problems.ts";
import { leaveToOthers, WorkerPresence } from "./worker-presence.ts";
import { errorMessage } from "../../src/errors.ts";
import { jsonObject } from "../../src/text/json-object.ts";
import { ComparisonError } from "./comparison.ts";

export { parsePlatforms, type PlatformPlan, type TraceDtype } from "./job-row.ts";

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

export class JobQueue {
  readonly #db: Database;
  readonly #store: EntryStore;
  readonly #blobs: BlobStore;
  readonly #options: JobsOptions;
  /** Wakes long polls of a platform when one of its jobs is queued. */
  readonly #queued = new EventEmitter().setMaxListeners(0);
  readonly #present = new WorkerPresence();
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
    this.#db
      .prepare(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, handed_back = handed_back + 1 WHERE kind = 'compare-runs' AND state = 'leased'",
      )
      .run();
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
    const existing = allRows<Row>(
      this.#db,
      `SELECT * FROM jobs WHERE checkpoint_id = ? AND coalesce(checkpoint_sha256, '') = ? AND state IN (${live.map(() => "?").join(", ")}) ORDER BY created_at, rowid`,
      checkpointId,
      sha256 ?? "",
      ...live,
    );
    if (existing.length > 0) return existing.map(toJob);
    const { platforms, referencePlatform, maxAttempts } = this.#options;
    const created: string[] = [];
    const insert = (kind: JobKind, platform: string, after: string[], extra: { dtype?: TraceDtype; role?: "reference" | "candidate" } = {}) => {
      const id = randomUUID();
      this.#db
        .prepare(
          "INSERT INTO jobs (id, checkpoint_id, checkpoint_sha256, url, size_bytes, platform, kind, dtype, role, after, state, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          id,
          checkpointId,
          sha256 ?? null,
          url,
          sizeBytes ?? null,
          platform,
          kind,
          extra.dtype ?? null,
          extra.role ?? null,
          JSON.stringify(after),
          after.length > 0 ? "waiting" : "queued",
          maxAttempts,
          now(),
        );
      created.push(id);
      return id;
    };
    const work = () => {
      const verified = new Map<string, string>();
      for (const p of platforms) verified.set(p.key, insert("verify-unpickling", p.key, []));
      const reference = referencePlatform
        ? insert("log-run", referencePlatform, [verified.get(referencePlatform)!], { dtype: "float64", role: "reference" })
        : undefined;
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

  list(filter: { state?: JobState | undefined; platform?: string | undefined; checkpoint?: string | undefined; limit?: number | undefined }): {
    jobs: Job[];
    counts: Record<string, number>;
  } {
    this.expireLeases();
    const where: string[] = [];
    const values: string[] = [];
    if (filter.state) (where.push("state = ?"), values.push(filter.state));
    if (filter.platform) (where.push("platform = ?"), values.push(filter.platform));
    if (filter.checkpoint) (where.push("checkpoint_id = ?"), values.push(filter.checkpoint));
    const rows = allRows<Row>(
      this.#db,
      `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      ...values,
      filter.limit ?? 500,
    );
    const counts = Object.fromEntries(
      allRows<{ state: string; n: number }>(this.#db, "SELECT state, count(*) AS n FROM jobs GROUP BY state").map((r) => [r.state, Number(r.n)]),
    );
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
      this.#present.seen(platform, worker);
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
    const seen = getRow<{ status: string }>(this.#db, "SELECT status FROM job_results WHERE job_id = ? AND attempt = ?", id, request.attempt);
    if (seen) return { job: toJob(this.#row(id)!), duplicate: true };
    const row = this.#held(id, request.attempt);
    const record = () =>
      this.#db.prepare("INSERT INTO job_results (job_id, attempt, status, received_at) VALUES (?, ?, ?, ?)").run(id, request.attempt, request.status, now());
    if (request.status === "released") {
      transaction(this.#db, () => {
        record();
        // Handing a job back is not a failed attempt.
        this.#db
          .prepare("UPDATE jobs SET state = 'queued', handed_back = handed_back + 1, lease_owner = NULL, lease_expires_at = NULL, reason = ? WHERE id = ?")
          .run(`handed back by ${row.lease_owner}${request.reason ? `: ${summaryLine(request.reason)}` : ""}`, id);
      });
      this.#notify();
      return { job: toJob(this.#row(id)!), duplicate: false };
    }
    const outcome = outcomeOf(row, request, this.#blobs);
    const file = fileOfResult(this.#store, row, request, outcome.checkpointSha256, now());
    if (file.disputed) {
      // The result is of another file than the entry's: not evidence; the entry is flagged; another host may try.
      const failure: Failure = {
        kind: "failure",
        fault: "environment",
        deterministic: false,
        reason: summaryLine(`the file at ${row.url} is not the registered one: ${file.disputed}`),
        output: undefined,
        checkpointSha256: undefined,
      };
      this.#store.commit(
        this.#entryWrites(row, undefined, file.observation),
        `job ${row.id} (${row.kind} on ${row.platform}): its file disagrees with the entry`,
        () => {
          record();
          this.#failedAttempt(row, failure);
        },
      );
    } else if (outcome.kind === "finished") this.#finished(row, outcome, file.observation, record);
    else this.#failed(row, outcome, file.observation, record);
    this.#notify();
    return { job: toJob(this.#row(id)!), duplicate: false };
  }

  /** Returns jobs whose lease ran out to the queue (or fails them after their last attempt). */
  expireLeases(): void {
    const expired = allRows<Row>(this.#db, "SELECT * FROM jobs WHERE state = 'leased' AND lease_expires_at < ?", now());
    if (expired.length === 0) return;
    transaction(this.#db, () => {
      for (const row of expired)
        this.#failedAttempt(row, {
          kind: "failure",
          fault: "environment",
          deterministic: false,
          reason: `the lease of ${row.lease_owner} expired at ${row.lease_expires_at} (the worker stopped answering)`,
          output: undefined,
          checkpointSha256: undefined,
        });
    });
    this.#notify();
  }

  #row(id: string): Row | undefined {
    return getRow<Row>(this.#db, "SELECT * FROM jobs WHERE id = ?", id);
  }

  #expiry(): string {
    return new Date(Date.now() + this.#options.leaseSeconds * 1000).toISOString();
  }

  /** The job as leased by `attempt`, or the problem that says why it is not. */
  #held(id: string, attempt: number): Row {
    const row = this.#row(id);
    if (!row) throw notFound(`no job ${id}`);
    if (row.state !== "leased" || row.attempts !== attempt) {
      throw conflict(
        `job ${id} is not leased as attempt ${attempt} (it is ${row.state}${row.state === "leased" ? ` as attempt ${row.attempts}, by ${row.lease_owner}` : ""}); stop working on it, its result would be ignored`,
      );
    }
    return row;
  }

  /**
   * The oldest queued job of `platform` for `worker`: one whose environment failed a job waits for another
   * worker of the platform, when one is there that has not failed it too.
   */
  #take(worker: string, platform: string): Row | undefined {
    return transaction(this.#db, () => {
      const queued = allRows<Row>(
        this.#db,
        "SELECT * FROM jobs WHERE state = 'queued' AND platform = ? AND kind <> 'compare-runs' ORDER BY created_at, rowid LIMIT 200",
        platform,
      );
      let others: Set<string> | undefined;
      const holders = () =>
        allRows<{ lease_owner: string }>(
          this.#db,
          "SELECT DISTINCT lease_owner FROM jobs WHERE state = 'leased' AND platform = ? AND lease_owner IS NOT NULL",
          platform,
        ).map((r) => r.lease_owner);
      const row = queued.find((candidate) => {
        const failedOn = JSON.parse(candidate.failed_on) as string[];
        if (!failedOn.includes(worker)) return true;
        others ??= this.#present.others(platform, worker, holders());
        return !leaveToOthers(worker, failedOn, others);
      });
      if (!row) return undefined;
      this.#db
        .prepare(
          "UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, started_at = coalesce(started_at, ?) WHERE id = ?",
        )
        .run(worker, this.#expiry(), now(), row.id);
      this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${platform}) leased to ${worker}, attempt ${row.attempts + 1}`);
      return this.#row(row.id);
    });
  }

  #entryWrites(row: Row, update: EvidenceUpdate | undefined, observation: FileObservation | undefined) {
    return entryWrites(this.#store, row, update, observation, this.#options.log);
  }

  /** Jobs of the same file that did not know its digest know it once its entry records it (after the commit that did). */
  #learnDigest(row: Row): void {
    const source = this.#store.get(row.checkpoint_id)?.entry.source;
    if (!source?.sha256) return;
    this.#db
      .prepare("UPDATE jobs SET checkpoint_sha256 = ?, size_bytes = coalesce(size_bytes, ?) WHERE checkpoint_id = ? AND url = ? AND checkpoint_sha256 IS NULL")
      .run(source.sha256, source.sizeBytes ?? null, row.checkpoint_id, row.url);
  }

  /** A check that ran to its end: its evidence, state and dependents in one transaction. */
  #finished(row: Row, finished: Omit<Finished, "kind" | "checkpointSha256">, observation: FileObservation | undefined, alongside: () => void): void {
    this.#store.commit(this.#entryWrites(row, finished.update, observation), `job ${row.id} (${row.kind} on ${row.platform})`, (revision) => {
      // An earlier attempt's fault and stderr do not describe a verdict; a failure's verdict sets its own (alongside).
      this.#db
        .prepare(
          "UPDATE jobs SET state = 'done', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL, outcome = ?, trace = ?, revision = ?, fault = NULL, output = NULL WHERE id = ?",
        )
        .run(now(), finished.outcome.slice(0, 500), finished.trace ? JSON.stringify(finished.trace) : null, revision ?? null, row.id);
      alongside();
      if (finished.passed) this.#release(row.id);
      else this.#cancelDependents(row.id, `${row.kind} on ${row.platform} did not pass (${finished.outcome})`);
    });
    this.#learnDigest(row);
    this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${row.platform}) done: ${finished.outcome}`);
  }

  /**
   * A failed attempt. The checkpoint's own failure is final when it is deterministic or the attempts are used
   * up: then it is evidence (its verification record's verdict, or a failed run of the platform). Anything
   * else is tried again, on another worker when the environment failed.
   */
  #failed(row: Row, failure: Failure, observation: FileObservation | undefined, alongside: () => void): void {
    const counted = row.attempts - row.handed_back;
    const final = failure.fault === "checkpoint" && (failure.deterministic || counted >= row.max_attempts);
    if (final && failure.verdict) {
      this.#finished(row, { ...failure.verdict, passed: false }, observation, () => {
        alongside();
        this.#db.prepare("UPDATE jobs SET reason = ?, fault = 'checkpoint', output = ? WHERE id = ?").run(failure.reason, failure.output ?? null, row.id);
      });
      return;
    }
    // A platform's own run that failed for the checkpoint's reasons is evidence about the platform; the reference
    // run's is not (it says nothing about its platform beyond the candidate run there).
    const update =
      final && row.kind === "log-run" && row.role !== "reference"
        ? runFailureEvidence({
            platform: row.platform,
            job: row.id,
            attempt: row.attempts,
            failures: failure.deterministic ? 1 : counted,
            dtype: row.dtype ?? undefined,
            reason: failure.reason,
            output: failure.output,
            checkpointSha256: row.checkpoint_sha256 ?? undefined,
            date: now(),
            tool: toolFor("worker"),
          })
        : undefined;
    this.#store.commit(this.#entryWrites(row, update, observation), `job ${row.id} (${row.kind} on ${row.platform}) failed`, (revision) => {
      alongside();
      if (final) this.#failNow(row, failure, revision);
      else this.#failedAttempt(row, failure);
    });
    this.#learnDigest(row);
  }

  #failNow(row: Row, failure: Failure, revision?: number): void {
    this.#db
      .prepare(
        "UPDATE jobs SET state = 'failed', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL, reason = ?, fault = ?, output = ?, revision = coalesce(?, revision) WHERE id = ?",
      )
      .run(now(), failure.reason, failure.fault, failure.output ?? null, revision ?? null, row.id);
    this.#cancelDependents(row.id, `${row.kind} on ${row.platform} failed`);
    this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${row.platform}) failed (${failure.fault}): ${failure.reason}`);
  }

  /** An attempt that did not settle the job: queued again, or failed after its last attempt (never evidence). */
  #failedAttempt(row: Row, failure: Failure): void {
    const counted = row.attempts - row.handed_back;
    if (failure.fault === "environment" && row.lease_owner) {
      const failedOn = new Set(JSON.parse(row.failed_on) as string[]).add(row.lease_owner);
      this.#db.prepare("UPDATE jobs SET failed_on = ? WHERE id = ?").run(JSON.stringify([...failedOn].slice(-50)), row.id);
    }
    if (counted >= row.max_attempts) {
      this.#failNow(row, { ...failure, reason: `${failure.reason} (attempt ${counted} of ${row.max_attempts})` });
      return;
    }
    this.#db
      .prepare("UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, reason = ?, fault = ?, output = ? WHERE id = ?")
      .run(failure.reason, failure.fault, failure.output ?? null, row.id);
    this.#options.log(`job ${row.id} (${row.kind} of ${row.checkpoint_id} on ${row.platform}) queued again (${failure.fault}): ${failure.reason}`);
  }

  /** Jobs waiting on `id`, and those waiting on them, will not run. */
  #cancelDependents(id: string, why: string): void {
    const waiting = allRows<{ id: string }>(
      this.#db,
      "SELECT id FROM jobs WHERE state = 'waiting' AND EXISTS (SELECT 1 FROM json_each(jobs.after) WHERE value = ?)",
      id,
    );
    for (const { id: dependent } of waiting) {
      this.#db.prepare("UPDATE jobs SET state = 'cancelled', finished_at = ?, reason = ? WHERE id = ?").run(now(), `not run: ${why}`, dependent);
      this.#cancelDependents(dependent, why);
    }
  }

  /** Jobs whose every predecessor is done become queued. */
  #release(id: string): void {
    const waiting = allRows<{ id: string; after: string }>(
      this.#db,
      "SELECT id, after FROM jobs WHERE state = 'waiting' AND EXISTS (SELECT 1 FROM json_each(jobs.after) WHERE value = ?)",
      id,
    );
    for (const w of waiting) {
      const after = JSON.parse(w.after) as string[];
      const done = aggregateRow<{ n: number }>(
        this.#db,
        `SELECT count(*) AS n FROM jobs WHERE state = 'done' AND id IN (${after.map(() => "?").join(", ")})`,
        ...after,
      );
      if (Number(done.n) === after.length) this.#db.prepare("UPDATE jobs SET state = 'queued' WHERE id = ?").run(w.id);
    }
  }

  /** Wakes long polls of platforms with queued jobs, and starts queued comparisons. */
  #notify(): void {
    const platforms = allRows<{ platform: string }>(this.#db, "SELECT DISTINCT platform FROM jobs WHERE state = 'queued' AND kind <> 'compare-runs'");
    for (const { platform } of platforms) this.#queued.emit(platform);
    this.#runComparisons();
  }

  #runComparisons(): void {
    if (this.#closed) return;
    const due = allRows<Row>(this.#db, "SELECT * FROM jobs WHERE state = 'queued' AND kind = 'compare-runs'");
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

  /**
   * Runs a comparison on the server. One that cannot run (a trace missing, compare-runs refusing its input or
   * timing out) is a failed job with the reason, never left queued: it is the server's own work, and running it
   * again would find the same.
   */
  async #compare(row: Row): Promise<void> {
    const [referenceId, candidateId] = JSON.parse(row.after) as [string, string];
    const traceOf = (id: string) => JSON.parse(this.#row(id)?.trace ?? "null") as Record<string, string> | null;
    const reference = traceOf(referenceId);
    const candidate = traceOf(candidateId);
    this.#db
      .prepare(
        "UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = 'server', lease_expires_at = ?, started_at = coalesce(started_at, ?) WHERE id = ? AND state = 'queued'",
      )
      .run(new Date(Date.now() + 3_600_000).toISOString(), now(), row.id);
    const leased = this.#row(row.id)!;
    try {
      if (!reference || !candidate) throw new Error("a trace it compares is missing");
      const record = await this.#options.compare(reference, candidate);
      if (this.#closed) return;
      const read = evidenceFromResult(record, `the comparison of job ${row.id}`);
      const fields = jsonObject(record);
      const verdict = String(fields?.verdict);
      this.#finished(
        leased,
        {
          update: { ...read.update, platform: row.platform },
          outcome: `${verdict}: ${String(fields?.summary ?? "").slice(0, 300)}`,
          passed: true,
        },
        undefined,
        () => {
          this.#db.prepare("INSERT INTO job_results (job_id, attempt, status, received_at) VALUES (?, ?, 'done', ?)").run(row.id, leased.attempts, now());
        },
      );
    } catch (error) {
      if (this.#closed) return;
      transaction(this.#db, () =>
        this.#failNow(leased, {
          kind: "failure",
          fault: "environment",
          deterministic: true,
          reason: summaryLine(`compare-runs could not run: ${errorMessage(error)}`),
          output: error instanceof ComparisonError ? error.output : undefined,
          checkpointSha256: undefined,
        }),
      );
    }
    this.#notify();
  }
}
