// The server's entries: the database table is the record, and a sorted copy in memory serves reads. Every
// write is planned exactly as a write to entries/ is (each entry against the strict contract, then across all
// entries), committed as one registry revision, and only then shown to readers, so that no reader ever sees a
// half-applied change.
import { parseEntry, type Entry } from "../../src/contract/index.ts";
import { formatJson } from "../../src/files/json-text.ts";
import type { LoadedEntry } from "../../src/registry/entries.ts";
import { RegistryInvalidError, type Problem } from "../../src/registry/problem.ts";
import { validateEntries } from "../../src/registry/validate.ts";
import { planEntryWrites, type EntryWrite } from "../../src/registry/write-entries.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";
import { aggregateRow, allRows, getRow, iterateRows, now, transaction, type Database } from "./database.ts";

const importCause = "import of ";

/** What problems and messages call the server's copy of an entry (it has no file). */
const label = (id: string) => `registry:${id}`;

/** Where `id` is, or would go, in entries sorted by id in code-point order. */
function position(sorted: readonly LoadedEntry[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byCodePoint(sorted[middle]!.id, id) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The URLs a checkpoint file is fetched from: the entry's source and mirrors. */
const urlsOf = (e: LoadedEntry) => [e.entry.source.url, ...(e.entry.source.mirrors ?? [])];

export class EntryStore {
  readonly #db: Database;
  readonly #byId = new Map<string, LoadedEntry>();
  /** Kept sorted as entries change (sorting 10,000 ids after every registration cost the answering thread 10-20 ms). */
  #sorted: LoadedEntry[] = [];
  readonly #byUrl = new Map<string, LoadedEntry>();
  #revision = 0;

  private constructor(db: Database) {
    this.#db = db;
  }

  /** The entries of the database; checked against the contract as the build checks entries/. */
  static load(db: Database, where: string): EntryStore {
    const store = new EntryStore(db);
    const problems: Problem[] = [];
    for (const row of iterateRows<{ id: string; entry: string }>(db, "SELECT id, entry FROM entries ORDER BY id")) {
      const parsed = parseEntry(JSON.parse(row.entry));
      if (parsed.ok) store.#byId.set(row.id, { id: row.id, file: label(row.id), entry: parsed.entry });
      else problems.push(...parsed.problems.map((p) => ({ file: label(row.id), ...p })));
    }
    if (problems.length > 0) throw new RegistryInvalidError(`${where} (entries the contract no longer accepts)`, problems);
    store.#sorted = [...store.#byId.values()].sort((a, b) => byCodePoint(a.id, b.id));
    for (const e of store.#sorted) for (const url of urlsOf(e)) if (!store.#byUrl.has(url)) store.#byUrl.set(url, e);
    const latest = aggregateRow<{ revision: number | null }>(db, "SELECT max(revision) AS revision FROM revisions");
    store.#revision = latest.revision ?? 0;
    return store;
  }

  /** The registry revision: how many changes the entries have had (0 before the first). */
  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): LoadedEntry | undefined {
    return this.#byId.get(id);
  }

  /** Every entry, sorted by id in code-point order (the order every published document uses). */
  list(): readonly LoadedEntry[] {
    return this.#sorted;
  }

  /** The entry whose source URL (or a mirror) is `url`, if any (the first by id when several share it). */
  byUrl(url: string): LoadedEntry | undefined {
    return this.#byUrl.get(url);
  }

  /** Shows a committed entry to readers: in the map, in its place in the sorted list, under its URLs. */
  #show(e: LoadedEntry): void {
    const before = this.#byId.get(e.id);
    this.#byId.set(e.id, e);
    const at = position(this.#sorted, e.id);
    if (before) this.#sorted[at] = e;
    else this.#sorted.splice(at, 0, e);
    for (const url of before ? urlsOf(before) : []) if (this.#byUrl.get(url) === before) this.#byUrl.delete(url);
    // Variants share a URL: the first by id holds it, as a search in id order would find.
    for (const url of urlsOf(e)) {
      const holder = this.#byUrl.get(url);
      if (!holder || byCodePoint(e.id, holder.id) <= 0) this.#byUrl.set(url, e);
    }
    for (const url of before ? urlsOf(before) : []) {
      if (this.#byUrl.has(url)) continue;
      const other = this.#sorted.find((x) => urlsOf(x).includes(url));
      if (other) this.#byUrl.set(url, other);
    }
  }

  /** What writing `drafts` would do, checked against every entry; nothing is written. */
  plan(drafts: ReadonlyArray<{ id: string; entry: unknown }>): { writes: EntryWrite[]; problems: Problem[] } {
    const { writes, problems } = planEntryWrites("registry", this.list(), drafts);
    return { writes: writes.map((w) => ({ ...w, file: label(w.id) })), problems };
  }

  /**
   * Commits planned writes as one revision (none when nothing changed) and then shows them to readers.
   * `alongside` runs in the same transaction with the revision written (or undefined), for the record of
   * what caused it.
   */
  commit(writes: readonly EntryWrite[], cause: string, alongside?: (revision: number | undefined) => void): number | undefined {
    const changed = writes.filter((w) => w.change !== "unchanged");
    const revision = changed.length > 0 ? this.#revision + 1 : undefined;
    transaction(this.#db, () => {
      if (revision !== undefined) {
        this.#db.prepare("INSERT INTO revisions (revision, created_at, cause) VALUES (?, ?, ?)").run(revision, now(), cause);
        const upsert = this.#db.prepare(
          "INSERT INTO entries (id, entry, revision) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET entry = excluded.entry, revision = excluded.revision",
        );
        const history = this.#db.prepare("INSERT INTO entry_history (revision, id, entry) VALUES (?, ?, ?)");
        for (const w of changed) {
          const text = formatJson(w.entry);
          upsert.run(w.id, text, revision);
          history.run(revision, w.id, text);
        }
      }
      alongside?.(revision);
    });
    if (revision !== undefined) {
      for (const w of changed) this.#show({ id: w.id, file: label(w.id), entry: w.entry });
      this.#revision = revision;
    }
    return revision;
  }

  /** The entries changed after revision `since`, with the revision that last changed each, in id order. */
  changesSince(since: number): Array<{ id: string; revision: number }> {
    return allRows<{ id: string; revision: number }>(this.#db, "SELECT id, revision FROM entries WHERE revision > ? ORDER BY id", since);
  }

  /** Entry `id` as it was at `revision`; undefined when it did not exist then. */
  entryAt(id: string, revision: number): Entry | undefined {
    const row = getRow<{ entry: string }>(
      this.#db,
      "SELECT entry FROM entry_history WHERE id = ? AND revision <= ? ORDER BY revision DESC LIMIT 1",
      id,
      revision,
    );
    if (!row) return undefined;
    const parsed = parseEntry(JSON.parse(row.entry));
    return parsed.ok ? parsed.entry : undefined;
  }

  /** The revision that imported an entries folder into this database (its first), if it began so. */
  importRevision(): number | undefined {
    const first = getRow<{ revision: number; cause: string }>(this.#db, "SELECT revision, cause FROM revisions ORDER BY revision LIMIT 1");
    return first?.cause.startsWith(importCause) ? first.revision : undefined;
  }

  /** Fills an empty database from an entries folder, validated as `validate` validates it; returns the count. */
  async importFolder(dir: string): Promise<number> {
    if (this.#byId.size > 0) throw new Error("importFolder: the database already has entries");
    const { entries, problems } = await validateEntries(dir);
    if (problems.length > 0) throw new RegistryInvalidError(`${dir}; nothing was imported`, problems);
    this.commit(
      entries.map((e) => ({ id: e.id, file: label(e.id), entry: e.entry, change: "created" as const })),
      `${importCause}${dir}`,
    );
    return entries.length;
  }
}
