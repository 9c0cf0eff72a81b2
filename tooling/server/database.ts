// The registry server's one database file (node:sqlite): opened with the settings every process that touches
// it needs (WAL, so readers never wait for the writer and a commit survives the process being killed; a busy
// timeout, so the token and backup commands can run beside a live server), and migrated on open.
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { RegistryError } from "../../src/errors.ts";
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
    throw new DatabaseError(`${path}: cannot open the database (${(error as Error).message})`, { cause: error });
  }
  migrate(db, path);
  return db;
}

function userVersion(db: Database): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
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
  const rows = db.prepare("PRAGMA integrity_check").all() as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).join("; ");
}

export function now(): string {
  return new Date().toISOString();
}
