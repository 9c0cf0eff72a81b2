// The registry server's one database file (node:sqlite): opened with the settings every process that touches
// it needs (WAL, so readers never wait for the writer and a commit survives the process being killed; a busy
// timeout, so the token and backup commands can run beside a live server), and migrated on open.
import { existsSync } from "node:fs";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { RegistryError, errorMessage } from "../../src/errors.ts";
import { migrations } from "./migrations.ts";

export type Database = DatabaseSync;

export class DatabaseError extends RegistryError {}

export interface OpenOptions {
  /** Create the file when it does not exist (the server does; the token and backup commands do not). */
  create?: boolean;
  /** Milliseconds to wait for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

export function openDatabase(path: string, options: OpenOptions = {}): Database {
  if (!options.create && path !== ":memory:" && !existsSync(path)) {
    throw new DatabaseError(`${path}: no such database (start the server with --db ${path} to create it)`);
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.exec("PRAGMA journal_mode = WAL");
    // In WAL mode, NORMAL loses nothing when the process dies (SIGKILL included), only the last commits on a
    // power loss; FULL would make every commit an fsync on the thread that answers requests.
    db.exec("PRAGMA synchronous = NORMAL");
    // Refuses the writes that can corrupt a database (writable_schema, raw page edits).
    db.enableDefensive(true);
  } catch (error) {
    throw new DatabaseError(`${path}: cannot open the database (${errorMessage(error)})`, { cause: error });
  }
  migrate(db, path);
  return db;
}

// SQLite rows come back as Record<string, SQLOutputValue>; the SELECT names the columns, so the caller names the
// row's type once here instead of casting at every query. The schema (migrations.ts) is what makes it true.

/** The first row `sql` selects, as `Row`; undefined when there is none. */
export function getRow<Row>(db: Database, sql: string, ...parameters: SQLInputValue[]): Row | undefined {
  return db.prepare(sql).get(...parameters) as Row | undefined;
}

/** Every row `sql` selects, as `Row`s. */
export function allRows<Row>(db: Database, sql: string, ...parameters: SQLInputValue[]): Row[] {
  return db.prepare(sql).all(...parameters) as Row[];
}

/** The rows `sql` selects, one at a time, as `Row`s. */
export function iterateRows<Row>(db: Database, sql: string, ...parameters: SQLInputValue[]): Iterable<Row> {
  return db.prepare(sql).iterate(...parameters) as Iterable<Row>;
}

/** The one row an aggregate (count, max, a PRAGMA) always answers. */
export function aggregateRow<Row>(db: Database, sql: string, ...parameters: SQLInputValue[]): Row {
  const row = getRow<Row>(db, sql, ...parameters);
  if (row === undefined) throw new DatabaseError(`no row from ${sql}`);
  return row;
}

function userVersion(db: Database): number {
  return Number(aggregateRow<{ user_version: number }>(db, "PRAGMA user_version").user_version);
}

/** Applies the migrations this database has not had yet; refuses one written by a newer registry. */
export function migrate(db: Database, label: string): number {
  const known = migrations.at(-1)?.version ?? 0;
  const current = userVersion(db);
  if (current > known) {
    throw new DatabaseError(`${label}: the database is at schema ${current}, newer than this registry knows (${known}); update the registry`);
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    transaction(db, () => {
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
  }
  return userVersion(db);
}

/** Runs `work` in one write transaction (taken at once, so two writers queue instead of deadlocking). */
export function transaction<T>(db: Database, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** `PRAGMA integrity_check`: "ok", or what is wrong. */
export function integrityCheck(db: Database): string {
  const rows = allRows<{ integrity_check: string }>(db, "PRAGMA integrity_check");
  return rows.map((r) => r.integrity_check).join("; ");
}

export function now(): string {
  return new Date().toISOString();
}
