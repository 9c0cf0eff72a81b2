// Registrations: `PUT /register` records one (committed before it is answered, so that an answered
// registration survives the server being killed), and a bounded number at a time are read, each in a child process of its own,
// into an entry that is planned, checked and committed with the registration's new state in one transaction.
// Registrations that were being read when the server stopped are read again when it starts.
import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import type { Entry } from "../../src/contract/index.ts";
import { formatRegistryProblem } from "../../src/registry/problem.ts";
import { entryFromExtraction } from "../anemoi/entry-from-extraction.ts";
import { idFromFileName } from "../checkpoint/open.ts";
import { literalAddress, refusedKind } from "../http/address-policy.ts";
import { apiBase, maxUrlLength, type Registration, type RegistrationState } from "../api/wire.ts";
import { aggregateRow, allRows, getRow, now, transaction, type Database } from "./database.ts";
import type { EntryStore } from "./entry-store.ts";
import { ExtractionSpawner, type ExtractionJob, type ExtractionLimits, type ExtractionOutcome } from "./extraction-process.ts";
import { badRequest, conflict } from "./problems.ts";
import { errorMessage } from "../../src/errors.ts";

export interface RegistrarOptions {
  /** Registrations read at once. */
  concurrency: number;
  allowPrivateNetwork: boolean;
  requestTimeoutMs: number;
  limits: ExtractionLimits;
  /** Attempts before a registration whose reading failed for a transient reason is failed. */
  maxAttempts: number;
  /** Wait before attempt n+1 is n times this. */
  retryDelayMs: number;
  log: (message: string) => void;
  /** Runs in the transaction that publishes a registered entry (the verification jobs are created there). */
  onRegistered?: (checkpointId: string, source: Entry["source"]) => void;
  /** Replaces the child process (tests of the queue itself). */
  extract?: (job: ExtractionJob, limits: ExtractionLimits) => Promise<ExtractionOutcome>;
}

interface Row {
  id: string;
  url: string;
  checkpoint_id: string;
  state: RegistrationState;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  not_before: string | null;
  reason: string | null;
  warnings: string | null;
  revision: number | null;
}

const columns = "id, url, checkpoint_id, state, created_at, started_at, finished_at, attempts, not_before, reason, warnings, revision";

export const registrationLocation = (rid: string) => `${apiBase}/registrations/${rid}`;

function toRegistration(row: Row): Registration {
  return {
    registration: row.id,
    url: row.url,
    id: row.checkpoint_id,
    state: row.state,
    createdAt: row.created_at,
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    attempts: row.attempts,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.warnings ? { warnings: JSON.parse(row.warnings) as string[] } : {}),
    ...(row.revision !== null ? { revision: row.revision } : {}),
    location: registrationLocation(row.id),
  };
}

/** The URL as it is stored and compared: parsed, without a fragment; refused when it cannot be a checkpoint's. */
export function normaliseUrl(text: string, allowPrivateNetwork: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest(`url: ${JSON.stringify(text.slice(0, 200))} is not a URL`, [{ path: "url", message: "an http(s) URL" }]);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw badRequest(`url: only http and https URLs can be registered, not ${url.protocol}`, [{ path: "url", message: "an http(s) URL" }]);
  if (url.username || url.password)
    throw badRequest("url: credentials in a URL are refused (they would be published with the entry)", [
      { path: "url", message: "a URL without user or password" },
    ]);
  url.hash = "";
  const address = literalAddress(url.hostname);
  const kind = address && !allowPrivateNetwork ? refusedKind(address) : undefined;
  if (kind) throw badRequest(`url: ${address} is ${kind}; the server reads only public addresses`, [{ path: "url", message: "a public address" }]);
  if (url.href.length > maxUrlLength)
    throw badRequest(`url: longer than ${maxUrlLength} characters`, [{ path: "url", message: `at most ${maxUrlLength} characters` }]);
  return url.href;
}

export class Registrar {
  readonly #db: Database;
  readonly #store: EntryStore;
  readonly #options: RegistrarOptions;
  readonly #running = new Set<string>();
  /** Starts each reading's process, off the thread that answers requests (unless `extract` replaces it). */
  readonly #spawner: ExtractionSpawner | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Settles when every reading in flight has been handled (for shutdown and tests). */
  #inFlight = new Set<Promise<void>>();

  constructor(db: Database, store: EntryStore, options: RegistrarOptions) {
    this.#db = db;
    this.#store = store;
    this.#options = options;
    this.#spawner = options.extract ? undefined : new ExtractionSpawner();
  }

  /** Requeues what a stopped server was reading and starts reading the queue. */
  start(): void {
    const { maxAttempts } = this.#options;
    transaction(this.#db, () => {
      const failed = this.#db
        .prepare("UPDATE registrations SET state = 'failed', finished_at = ?, reason = ? WHERE state = 'extracting' AND attempts >= ?")
        .run(now(), `reading was interrupted ${maxAttempts} times (the server stopped while reading it)`, maxAttempts);
      const resumed = this.#db.prepare("UPDATE registrations SET state = 'queued' WHERE state = 'extracting'").run();
      if (Number(resumed.changes) + Number(failed.changes) > 0)
        this.#options.log(`registrations interrupted by a stop: ${resumed.changes} resumed, ${failed.changes} failed`);
    });
    this.#pump();
  }

  /**
   * Records a registration of `url` (or returns the live one for it: `created` false). Throws an
   * HttpProblem for a URL that cannot be registered or an id held by another checkpoint.
   */
  submit(request: { url: string; id?: string | undefined }, tokenId: string | undefined): { registration: Registration; created: boolean } {
    const url = normaliseUrl(request.url, this.#options.allowPrivateNetwork);
    const result = transaction(this.#db, () => {
      const live = getRow<Row>(this.#db, `SELECT ${columns} FROM registrations WHERE url = ? AND state <> 'failed'`, url);
      if (live) {
        if (request.id !== undefined && request.id !== live.checkpoint_id)
          throw conflict(`${url} is registered as "${live.checkpoint_id}" (registration ${live.id}), not "${request.id}"`);
        return { row: live, created: false };
      }
      const id = this.#checkpointIdFor(url, request.id);
      const rid = randomUUID();
      this.#db
        .prepare("INSERT INTO registrations (id, url, checkpoint_id, state, token_id, created_at) VALUES (?, ?, ?, 'queued', ?, ?)")
        .run(rid, url, id, tokenId ?? null, now());
      return { row: this.#row(rid)!, created: true };
    });
    if (result.created) this.#pump();
    return { registration: toRegistration(result.row), created: result.created };
  }

  get(rid: string): Registration | undefined {
    const row = this.#row(rid);
    return row ? toRegistration(row) : undefined;
  }

  counts(): { queued: number; extracting: number } {
    const rows = allRows<{ state: string; n: number }>(
      this.#db,
      "SELECT state, count(*) AS n FROM registrations WHERE state IN ('queued', 'extracting') GROUP BY state",
    );
    const of = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
    return { queued: of("queued"), extracting: of("extracting") };
  }

  /** Stops taking work; readings in flight are abandoned and read again at the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#spawner?.close();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Settles once no reading is in flight or queued and due (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #row(rid: string): Row | undefined {
    return getRow<Row>(this.#db, `SELECT ${columns} FROM registrations WHERE id = ?`, rid);
  }

  /** The id a registration of `url` writes: as asked, else the entry's with that URL, else from the file name. */
  #checkpointIdFor(url: string, requested: string | undefined): string {
    const holder = this.#store.byUrl(url);
    if (requested !== undefined && holder && holder.id !== requested)
      throw conflict(`${url} is the checkpoint of entry "${holder.id}"; register it as that id (or without one)`);
    const id = requested ?? holder?.id ?? idFromFileName(basename(new URL(url).pathname));
    if (!checkpointIdPattern.test(id))
      throw badRequest(`no checkpoint id can be made from the URL's file name; pass "id"`, [{ path: "id", message: "a checkpoint id" }]);
    const taken = this.#store.get(id);
    if (taken && taken !== holder) throw conflict(`the id "${id}" is taken by another checkpoint (${taken.entry.source.url}); pass another "id"`);
    const pending = getRow<{ id: string; url: string }>(
      this.#db,
      "SELECT id, url FROM registrations WHERE checkpoint_id = ? AND state IN ('queued', 'extracting') AND url <> ?",
      id,
      url,
    );
    if (pending) throw conflict(`the id "${id}" is being registered for another checkpoint (${pending.url}, registration ${pending.id}); pass another "id"`);
    return id;
  }

  /** Starts reading queued registrations that are due, up to the concurrency; wakes itself for retries. */
  #pump(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const free = this.#options.concurrency - this.#running.size;
    if (free > 0) {
      const due = allRows<Row>(
        this.#db,
        `SELECT ${columns} FROM registrations WHERE state = 'queued' AND (not_before IS NULL OR not_before <= ?) ORDER BY created_at, rowid LIMIT ?`,
        now(),
        free + this.#running.size,
      );
      for (const row of due) {
        if (this.#running.size >= this.#options.concurrency) break;
        if (this.#running.has(row.id)) continue;
        this.#begin(row);
      }
    }
    const next = aggregateRow<{ at: string | null }>(
      this.#db,
      "SELECT min(not_before) AS at FROM registrations WHERE state = 'queued' AND not_before > ?",
      now(),
    );
    if (next.at) this.#timer = setTimeout(() => this.#pump(), Math.max(10, Date.parse(next.at) - Date.now())).unref();
  }

  #begin(row: Row): void {
    this.#running.add(row.id);
    const started = this.#db
      .prepare("UPDATE registrations SET state = 'extracting', started_at = ?, attempts = attempts + 1 WHERE id = ? AND state = 'queued'")
      .run(now(), row.id);
    if (Number(started.changes) === 0) {
      this.#running.delete(row.id);
      return;
    }
    const job: ExtractionJob = { url: row.url, allowPrivateNetwork: this.#options.allowPrivateNetwork, requestTimeoutMs: this.#options.requestTimeoutMs };
    const extract = this.#options.extract ?? this.#spawner!.extract;
    const work = extract(job, this.#options.limits)
      .then((outcome) => {
        if (!this.#closed) this.#finish(row.id, outcome);
      })
      .catch((error: unknown) => {
        if (!this.#closed) this.#finish(row.id, { ok: false, reason: `internal error: ${errorMessage(error)}`, retryable: false });
      })
      .finally(() => {
        this.#running.delete(row.id);
        this.#inFlight.delete(work);
        this.#pump();
      });
    this.#inFlight.add(work);
  }

  #finish(rid: string, outcome: ExtractionOutcome): void {
    const row = this.#row(rid);
    if (!row || row.state !== "extracting") return;
    if (!outcome.ok) return this.#failed(row, outcome.reason, outcome.retryable);
    const { reading, warnings: readWarnings } = outcome;
    const existing = this.#store.get(row.checkpoint_id);
    if (existing && existing.entry.source.url !== row.url && !existing.entry.source.mirrors?.includes(row.url)) {
      return this.#failed(row, `the id "${row.checkpoint_id}" was taken by another checkpoint (${existing.entry.source.url}) while this one was read`, false);
    }
    const { entry, warnings } = entryFromExtraction(reading.extraction, { url: row.url, ...reading.facts }, row.checkpoint_id, existing?.entry);
    const { writes, problems } = this.#store.plan([{ id: row.checkpoint_id, entry }]);
    if (problems.length > 0) {
      return this.#failed(row, `the entry read from the checkpoint is not valid:\n${problems.map(formatRegistryProblem).join("\n")}`, false);
    }
    const allWarnings = [...readWarnings, ...reading.extraction.warnings, ...warnings];
    this.#store.commit(writes, `registration ${rid}`, (revision) => {
      this.#db
        .prepare("UPDATE registrations SET state = 'registered', finished_at = ?, reason = NULL, not_before = NULL, warnings = ?, revision = ? WHERE id = ?")
        .run(now(), allWarnings.length > 0 ? JSON.stringify(allWarnings) : null, revision ?? null, rid);
      this.#options.onRegistered?.(row.checkpoint_id, entry.source);
    });
    this.#options.log(`registered ${row.checkpoint_id} from ${row.url} (registration ${rid})`);
  }

  #failed(row: Row, reason: string, retryable: boolean): void {
    const { maxAttempts, retryDelayMs } = this.#options;
    if (retryable && row.attempts < maxAttempts) {
      const notBefore = new Date(Date.now() + retryDelayMs * row.attempts).toISOString();
      this.#db.prepare("UPDATE registrations SET state = 'queued', not_before = ?, reason = ? WHERE id = ?").run(notBefore, reason, row.id);
      this.#options.log(`registration ${row.id} (${row.url}): ${reason}; retrying after ${notBefore}`);
      return;
    }
    this.#db.prepare("UPDATE registrations SET state = 'failed', finished_at = ?, reason = ? WHERE id = ?").run(now(), reason, row.id);
    this.#options.log(`registration ${row.id} (${row.url}) failed: ${reason}`);
  }
}
