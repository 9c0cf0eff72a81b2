// One server per database. Two servers on one file each keep their own view of the entries and hand out the
// same revision numbers, so the second must be refused at start. The lock is a companion file `<db>.lock`
// (src/files/exclusive-lock.ts) held for the server's life: the operating system drops it with the process,
// SIGKILL included, so a restart never finds a stale lock; the database itself stays in WAL mode, so the token and backup commands still work beside the server. Who holds
// the lock is written beside it (`<db>.lock.json`) for the refusal's message: the lock file cannot be read
// while it is held.
import { hostname } from "node:os";
import { readFileSync, rmSync } from "node:fs";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { takeExclusiveLock, type ExclusiveLock } from "../../src/files/exclusive-lock.ts";
import { DatabaseError } from "./database.ts";
import { errorMessage } from "../../src/errors.ts";
import { jsonObject } from "../../src/text/json-object.ts";

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** Where it listens, once it does. */
  url?: string;
}

export interface ServerLock {
  /** Records where the holder listens, for the next refusal's message. */
  listening(url: string): Promise<void>;
  release(): void;
}

const lockPath = (db: string) => `${db}.lock`;
const holderPath = (db: string) => `${db}.lock.json`;

function describeHolder(db: string): string {
  try {
    const holder = jsonObject(JSON.parse(readFileSync(holderPath(db), "utf8")));
    if (typeof holder?.pid !== "number") throw new Error("no pid");
    const where = holder.url ? `, listening on ${holder.url}` : "";
    return `process ${holder.pid} on ${holder.host ?? "an unknown host"}${where}, started ${holder.startedAt ?? "at an unknown time"}`;
  } catch {
    return "another process (it has not said which)";
  }
}

/** Takes the lock of database `db` or throws naming the holder. `:memory:` databases need none. */
export async function lockDatabase(db: string): Promise<ServerLock> {
  if (db === ":memory:") return { listening: async () => {}, release: () => {} };
  let lock: ExclusiveLock | "held";
  try {
    lock = takeExclusiveLock(lockPath(db));
  } catch (error) {
    throw new DatabaseError(`${lockPath(db)}: cannot take the server's lock (${errorMessage(error)})`, { cause: error });
  }
  if (lock === "held")
    throw new DatabaseError(`${db}: another registry server uses this database (${describeHolder(db)}); run one server per database, or stop that one first`);
  const held = lock;
  let released = false;
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const write = () => writeFileAtomic(holderPath(db), `${JSON.stringify(holder)}\n`);
  try {
    await write();
  } catch (error) {
    held.release();
    throw error;
  }
  return {
    async listening(url) {
      holder.url = url;
      await write();
    },
    release() {
      if (released) return;
      released = true;
      rmSync(holderPath(db), { force: true });
      held.release();
    },
  };
}
