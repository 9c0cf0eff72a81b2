// One registration's reading of a checkpoint, in a worker thread of its own: a stranger's file is parsed away
// from the thread that answers requests, under a heap limit, and the thread is simply terminated when it
// runs out of time. Posts one message, an ExtractionOutcome, and is then terminated by the pool.
import { parentPort, workerData } from "node:worker_threads";
import { RegistryError } from "../../src/errors.ts";
import { readCheckpoint } from "../checkpoint/read.ts";
import { HttpSourceError } from "../http/errors.ts";
import type { ExtractionJob, ExtractionOutcome } from "./extraction-pool.ts";

const job = workerData as ExtractionJob;
const warnings: string[] = [];
let outcome: ExtractionOutcome;
try {
  const reading = await readCheckpoint(job.url, {
    allowFullDownload: false,
    timeoutMs: job.requestTimeoutMs,
    allowPrivateNetwork: job.allowPrivateNetwork,
    hash: false,
    warn: (message) => warnings.push(message),
  });
  outcome = { ok: true, reading, warnings };
} catch (error) {
  // A RegistryError explains itself; anything else is a fault in this code, reported as one.
  const explained = error instanceof RegistryError;
  outcome = {
    ok: false,
    reason: explained ? error.message : `internal error while reading the checkpoint: ${(error as Error)?.message ?? String(error)}`,
    retryable: error instanceof HttpSourceError && error.retryable,
  };
}
parentPort!.postMessage(outcome);
