// A consistent copy of a live database: sqlite's online backup reads a snapshot page by page (the server goes
// on writing), into a temporary file that is checked and then renamed over the destination, so that a backup
// is either complete and sound or not there.
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { backup } from "node:sqlite";
import { DatabaseError, aggregateRow, integrityCheck, openDatabase } from "./database.ts";
import { errorMessage } from "../../src/errors.ts";

export interface BackupResult {
  file: string;
  bytes: number;
  revision: number;
  entries: number;
}

export async function backupDatabase(source: string, destination: string): Promise<BackupResult> {
  const temp = join(dirname(destination), `.${basename(destination)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const db = openDatabase(source);
  try {
    await backup(db, temp);
  } catch (error) {
    await rm(temp, { force: true });
    throw new DatabaseError(`${source}: the backup to ${destination} failed (${errorMessage(error)})`, { cause: error });
  } finally {
    db.close();
  }
  try {
    const copy = openDatabase(temp);
    let facts;
    try {
      const check = integrityCheck(copy);
      if (check !== "ok") throw new DatabaseError(`${destination}: the copy fails its integrity check (${check}); nothing was written`);
      // The copy is a standalone file: no WAL beside it.
      copy.exec("PRAGMA journal_mode = DELETE");
      const revision = aggregateRow<{ r: number }>(copy, "SELECT coalesce(max(revision), 0) AS r FROM revisions").r;
      const entries = aggregateRow<{ n: number }>(copy, "SELECT count(*) AS n FROM entries").n;
      facts = { revision: Number(revision), entries: Number(entries) };
    } finally {
      copy.close();
    }
    await rename(temp, destination);
    return { file: destination, bytes: (await stat(destination)).size, ...facts };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
