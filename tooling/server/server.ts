// The registry server put together: the database (imported from entries/ on first start), the published
// documents, the registration queue and the HTTP app; started and stopped as one.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { RegistryError } from "../../src/errors.ts";
import { buildApp } from "./app.ts";
import { openDatabase, type Database } from "./database.ts";
import { EntryStore } from "./entry-store.ts";
import type { ExtractionLimits } from "./extraction-process.ts";
import { PublishedDocuments } from "./published.ts";
import { Registrar } from "./registrar.ts";
import { BlobStore } from "./blobs.ts";
import { compareInChildProcess } from "./comparison.ts";
import { JobQueue, type PlatformPlan } from "./jobs.ts";
import { lockDatabase } from "./server-lock.ts";
import { checkpointInBackground } from "./wal-checkpoints.ts";
import type { LogLevel } from "./app.ts";

export interface ServerOptions {
  db: string;
  host: string;
  port: number;
  /** The entries folder imported into an empty database. */
  entriesDir: string;
  allowPrivateNetwork: boolean;
  extractConcurrency: number;
  extraction: ExtractionLimits;
  requestTimeoutMs: number;
  registrationsPerMinute: number;
  /** Where registered checkpoints are verified; none: no jobs. */
  platforms: readonly PlatformPlan[];
  referencePlatform: string | undefined;
  leaseSeconds: number;
  jobAttempts: number;
  /** Folder of uploaded trace files (default: beside the database). */
  blobsDir: string | undefined;
  maxUploadBytes: number;
  log: (message: string) => void;
  /** Access log level (default "silent": none); the log goes to stderr. */
  logLevel?: LogLevel;
}

export interface RunningServer {
  /** "http://127.0.0.1:8080" */
  url: string;
  db: Database;
  registrar: Registrar;
  jobs: JobQueue;
  close(): Promise<void>;
}

/** Why the server cannot listen, in words, for the failures an operator can fix. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  const reason = {
    EADDRINUSE: `${where} is in use (another server?); pass another --port`,
    EADDRNOTAVAIL: `${host} is not an address of this machine; pass --host 127.0.0.1, 0.0.0.0 or one of its addresses`,
    EACCES: `listening on ${where} needs privileges; use a port above 1023 (behind a reverse proxy)`,
    ENOTFOUND: `${host} is not a host name this machine can resolve; pass --host`,
  }[error.code ?? ""];
  return reason ? new RegistryError(`cannot listen: ${reason}`, { cause: error }) : error;
}

export async function startRegistryServer(given: ServerOptions): Promise<RunningServer> {
  // A relative --db (the README's `--db registry.db`) is the working directory's, once: the blobs beside it are
  // linked to from other folders, where a relative path would mean something else.
  const options = {
    ...given,
    db: given.db === ":memory:" ? given.db : resolve(given.db),
    blobsDir: given.blobsDir === undefined ? undefined : resolve(given.blobsDir),
  };
  const { log } = options;
  // Before anything reads the database: a second server must change nothing, not even import entries.
  const lock = await lockDatabase(options.db);
  let db: Database | undefined;
  try {
    db = openDatabase(options.db, { create: true });
    const store = EntryStore.load(db, options.db);
    if (store.revision === 0) {
      if (!existsSync(options.entriesDir)) log(`${options.db} is new and ${options.entriesDir} does not exist: starting with no entries`);
      else log(`${options.db} is new: imported ${await store.importFolder(options.entriesDir)} entries from ${options.entriesDir}`);
    }
    const blobs = new BlobStore(db, options.blobsDir ?? `${options.db}.blobs`, options.maxUploadBytes);
    const jobs = new JobQueue(db, store, blobs, {
      platforms: options.platforms,
      referencePlatform: options.referencePlatform,
      leaseSeconds: options.leaseSeconds,
      maxAttempts: options.jobAttempts,
      compare: compareInChildProcess(blobs, 600_000),
      log,
    });
    const registrar = new Registrar(db, store, {
      onRegistered: (id, source) => jobs.plan(id, source),
      concurrency: options.extractConcurrency,
      allowPrivateNetwork: options.allowPrivateNetwork,
      requestTimeoutMs: options.requestTimeoutMs,
      limits: options.extraction,
      maxAttempts: 3,
      retryDelayMs: 30_000,
      log,
    });
    const published = new PublishedDocuments(store);
    // The documents of the revision served first, made before listening rather than by the first readers.
    await published.prepare();
    const app = await buildApp({
      db,
      store,
      published,
      registrar,
      jobs,
      blobs,
      registrationsPerMinute: options.registrationsPerMinute,
      log,
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    });
    const address = await app.listen({ host: options.host, port: options.port }).catch((error: NodeJS.ErrnoException) => {
      throw listenError(error, options.host, options.port);
    });
    await lock.listening(address);
    const checkpoints = checkpointInBackground(db, options.db);
    registrar.start();
    jobs.start();
    const open = db;
    return {
      url: address,
      db: open,
      registrar,
      jobs,
      async close() {
        await jobs.close();
        await app.close();
        await registrar.close();
        await checkpoints.stop();
        open.close();
        lock.release();
      },
    };
  } catch (error) {
    if (db?.isOpen) db.close();
    lock.release();
    throw error;
  }
}
