// Runs registrations' extractions in child processes, each fresh, with a heap limit, a lower scheduling
// priority than the server (so that reading checkpoints never starves the answering of requests), and a
// deadline after which it is killed, however busy. The caller bounds how many run at once.
//
// The server does not start them itself: forking a process copies its page tables, and the server's (10,000
// entries and their documents) made each start stall the thread that answers requests for 5-20 ms. A small
// process started once (ExtractionSpawner) starts each of them instead.
import { fork, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import type { CheckpointReading } from "../checkpoint/read.ts";

export interface ExtractionJob {
  url: string;
  allowPrivateNetwork: boolean;
  /** Per HTTP request (the reader also has an overall deadline per request). */
  requestTimeoutMs: number;
}

export type ExtractionOutcome = { ok: true; reading: CheckpointReading; warnings: string[] } | { ok: false; reason: string; retryable: boolean };

export interface ExtractionLimits {
  /** The whole extraction, after which the process is killed. */
  deadlineMs: number;
  /** V8 heap of the process (the reader's byte caps bound its buffers). */
  heapMiB: number;
}

// The bundled command line ships the extraction child as build/cli/extraction-child.js beside the module that
// starts it; run from source, it is the TypeScript file beside this one.
const childPath = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "./extraction-child.ts" : "./extraction-child.js", import.meta.url));

/** Below the server's priority: nice 10. */
const lowerPriority = 10;

export function extractInChildProcess(job: ExtractionJob, limits: ExtractionLimits): Promise<ExtractionOutcome> {
  return new Promise((resolve) => {
    const child = fork(childPath, [], {
      execArgv: [`--max-old-space-size=${limits.heapMiB}`],
      // Structured clone, so that the reading arrives as it was made.
      serialization: "advanced",
      // Its output would be the server's log; it says what it has to say in its answer.
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, lowerPriority);
      } catch {
        // Not permitted here: it runs at the server's priority.
      }
    }
    let settled = false;
    const finish = (outcome: ExtractionOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `reading the checkpoint took longer than ${Math.round(limits.deadlineMs / 1000)} s; stopped`, retryable: true }),
      limits.deadlineMs,
    );
    child.once("message", (outcome: ExtractionOutcome) => finish(outcome));
    child.once("error", (error) => finish({ ok: false, reason: `internal error: cannot start the reading process (${error.message})`, retryable: true }));
    // "close", not "exit": a process that answered and exited at once may be seen to exit before its answer
    // is read; by "close" its channel has been drained.
    child.once("close", (code, signal) => {
      const outOfMemory = /heap out of memory|Allocation failed/.test(stderr);
      finish({
        ok: false,
        reason: outOfMemory
          ? `reading the checkpoint needed more than ${limits.heapMiB} MiB of memory; stopped`
          : `the reading process stopped (${signal ?? `exit code ${code}`}) without a result`,
        retryable: false,
      });
    });
    child.send(job);
  });
}

/** In the spawner process: starts each job's reading as it comes, and answers with its outcome. */
export function serveExtractions(): void {
  // The server gone (stopped, or killed): so are the readings, which exit when this process does.
  process.once("disconnect", () => process.exit(0));
  process.on("message", ({ id, job, limits }: { id: number; job: ExtractionJob; limits: ExtractionLimits }) => {
    void extractInChildProcess(job, limits).then((outcome) => process.send?.({ id, outcome }));
  });
}

/** The server's side: one small process, started on first use, that starts every reading. */
export class ExtractionSpawner {
  #child: ChildProcess | undefined;
  readonly #pending = new Map<number, (outcome: ExtractionOutcome) => void>();
  #next = 0;
  #closed = false;

  extract = (job: ExtractionJob, limits: ExtractionLimits): Promise<ExtractionOutcome> => {
    if (this.#closed) return Promise.resolve({ ok: false, reason: "the server is stopping", retryable: true });
    const child = this.#spawner();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      child.send({ id, job, limits });
    });
  };

  #spawner(): ChildProcess {
    if (this.#child) return this.#child;
    const child = fork(childPath, ["spawner"], { serialization: "advanced", stdio: ["ignore", "ignore", "inherit", "ipc"] });
    child.on("message", ({ id, outcome }: { id: number; outcome: ExtractionOutcome }) => {
      this.#pending.get(id)?.(outcome);
      this.#pending.delete(id);
    });
    // Gone (killed, or crashed): what it was reading is read again, by a new one.
    child.once("exit", (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      const reason = `the process that starts readings stopped (${signal ?? `exit code ${code}`})`;
      for (const resolve of this.#pending.values()) resolve({ ok: false, reason, retryable: true });
      this.#pending.clear();
    });
    this.#child = child;
    return child;
  }

  /** Stops the spawner and, with it, the readings in flight (they answer as retryable). */
  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.disconnect();
    await exited;
  }
}
