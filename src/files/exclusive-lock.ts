// A lock one process holds until it releases it or ends, however it ends. It is sqlite's own (a POSIX lock,
// no native addon): a small database held in EXCLUSIVE locking mode. The operating system drops it with the
// process, SIGKILL included, so nobody ever finds a stale lock to clean up.
import { DatabaseSync } from "node:sqlite";
import { errorMessage } from "../errors.ts";

export interface ExclusiveLock {
  release(): void;
}

/**
 * Takes the lock at `path` (a file it creates), or returns "held" when another process holds it. Any other
 * failure (a folder that cannot be written) throws.
 */
export function takeExclusiveLock(path: string): ExclusiveLock | "held" {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 0");
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    // The first write in EXCLUSIVE mode takes the file's exclusive lock and keeps it until the connection closes.
    db.exec("BEGIN EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS lock (held INTEGER)");
    db.exec("COMMIT");
  } catch (error) {
    if (db?.isOpen) db.close();
    if (/locked|busy/i.test(errorMessage(error))) return "held";
    throw error;
  }
  const held = db;
  return {
    release() {
      if (held.isOpen) held.close();
    },
  };
}
