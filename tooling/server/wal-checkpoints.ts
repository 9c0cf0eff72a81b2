// The database's write-ahead log is copied back into the database file by a thread of its own: left to
// sqlite, the commit that fills the log past its threshold does it, with an fsync of the database, on the
// thread that answers requests (readers waited 300-400 ms for it while registrations committed). A passive
// checkpoint waits for no reader or writer, and a commit never waits for it.
import { Worker } from "node:worker_threads";
import type { Database } from "./database.ts";

// Plain JavaScript run as a worker: its own connection to the same file, nothing of the registry's code.
const checkpointer = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const db = new DatabaseSync(workerData.path);
db.exec("PRAGMA busy_timeout = 5000");
const checkpoint = () => {
  try {
    db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch {
    // busy or gone: the next round tries again
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpoints {
  stop(): Promise<void>;
}

/** Turns off `db`'s own checkpoints and checkpoints its file every `intervalMs` from a worker thread. */
export function checkpointInBackground(db: Database, path: string, intervalMs = 1000): WalCheckpoints {
  if (path === ":memory:") return { stop: async () => {} };
  db.exec("PRAGMA wal_autocheckpoint = 0");
  const worker = new Worker(checkpointer, { eval: true, workerData: { path, intervalMs } });
  worker.unref();
  return {
    async stop() {
      // Held by the worker until it has closed its connection (unreferenced, it would not keep a stopping process alive).
      worker.ref();
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("stop");
      await exited;
    },
  };
}
