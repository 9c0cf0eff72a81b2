// Runs registrations' extractions in worker threads, each in a fresh thread with a heap limit and a deadline
// after which it is terminated, however busy. The caller bounds how many run at once.
import { Worker } from "node:worker_threads";
import type { CheckpointReading } from "../checkpoint/read.ts";

export interface ExtractionJob {
  url: string;
  allowPrivateNetwork: boolean;
  /** Per HTTP request (the reader also has an overall deadline per request). */
  requestTimeoutMs: number;
}

export type ExtractionOutcome =
  | { ok: true; reading: CheckpointReading; warnings: string[] }
  | { ok: false; reason: string; retryable: boolean };

export interface ExtractionLimits {
  /** The whole extraction, after which the thread is terminated. */
  deadlineMs: number;
  /** V8 heap of the thread (the reader's byte caps bound its buffers). */
  heapMiB: number;
}

// The bundled command line ships the worker as build/cli/extraction-worker.js beside the module that starts
// it; run from source, it is the TypeScript file beside this one.
const workerUrl = new URL(import.meta.url.endsWith(".ts") ? "./extraction-worker.ts" : "./extraction-worker.js", import.meta.url);

export function extractInWorker(job: ExtractionJob, limits: ExtractionLimits): Promise<ExtractionOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(workerUrl, {
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMiB, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, limits.heapMiB / 8)) },
      // The worker's output is its message; its console is the server's log.
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const finish = (outcome: ExtractionOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Keep-alive sockets would keep the thread alive; it has said all it will.
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `reading the checkpoint took longer than ${Math.round(limits.deadlineMs / 1000)} s; stopped`, retryable: true }), limits.deadlineMs);
    worker.once("message", (outcome: ExtractionOutcome) => finish(outcome));
    worker.once("error", (error: Error & { code?: string }) =>
      finish({
        ok: false,
        reason: error.code === "ERR_WORKER_OUT_OF_MEMORY" ? `reading the checkpoint needed more than ${limits.heapMiB} MiB of memory; stopped` : `internal error while reading the checkpoint: ${error.message}`,
        retryable: false,
      }),
    );
    worker.once("exit", (code) => finish({ ok: false, reason: `the reading thread stopped (exit code ${code}) without a result`, retryable: false }));
  });
}
