// The worker loop: lease a job of this host's platform (long poll), run it while heartbeats keep the lease,
// post its result (idempotent by job and attempt, so it is safe to send again), repeat. A lease the server
// took back (409) stops the job; a stop request (SIGTERM) hands running jobs back so another worker takes
// them at once instead of after the lease expires.
import { hostname } from "node:os";
import type { JobResultRequest } from "../server/api-schemas.ts";
import { runJob, type JobSettings } from "./run-job.ts";
import { ServerCallError, type JobServer, type Lease } from "./server-client.ts";

export interface WorkerOptions {
  server: JobServer;
  platform: string;
  /** Take at most one job (per slot) and return: for batch schedulers. */
  once: boolean;
  waitSeconds: number;
  concurrency: number;
  settings: JobSettings;
  /** Aborts when the worker is asked to stop. */
  stop: AbortSignal;
  log: (message: string) => void;
}

export interface WorkerSummary {
  jobs: Array<{ job: string; kind: string; status: JobResultRequest["status"] | "lost"; duplicate?: boolean }>;
  /** Why the worker stopped early: the server could not be reached or refused the token. */
  unreachable?: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

async function postResult(options: WorkerOptions, lease: Lease, result: JobResultRequest): Promise<{ duplicate: boolean } | "lost"> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.server.result(lease.job.job, result);
    } catch (error) {
      if (error instanceof ServerCallError && error.status === 409) return "lost";
      if (!(error instanceof ServerCallError) || !error.transient || attempt >= 5) throw error;
      options.log(`worker: posting the result of job ${lease.job.job} failed (${error.message}); retrying`);
      await sleep(2_000 * attempt, new AbortController().signal);
    }
  }
}

async function runLeased(options: WorkerOptions, lease: Lease): Promise<WorkerSummary["jobs"][number]> {
  const { job, attempt, leaseSeconds } = lease;
  const { server, log } = options;
  const controller = new AbortController();
  let lost = false;
  const stopping = () => controller.abort();
  options.stop.addEventListener("abort", stopping, { once: true });
  const beat = setInterval(() => {
    server.heartbeat(job.job, attempt).catch((error: unknown) => {
      if (error instanceof ServerCallError && error.status === 409) {
        lost = true;
        log(`worker: lost the lease of job ${job.job}: ${error.message}; stopping it`);
        controller.abort();
      } else log(`worker: heartbeat of job ${job.job} failed: ${(error as Error).message}`);
    });
  }, Math.max(1_000, (leaseSeconds * 1000) / 3));
  log(`worker: job ${job.job}: ${job.kind} of ${job.checkpoint.id} on ${job.platform}${job.dtype ? ` in ${job.dtype}` : ""} (attempt ${attempt})`);
  try {
    const result = await runJob(lease, server, options.settings, controller.signal);
    if (lost) return { job: job.job, kind: job.kind, status: "lost" };
    const posted = await postResult(options, lease, result);
    if (posted === "lost") {
      log(`worker: job ${job.job}: the server no longer held it for this worker; the result was not taken`);
      return { job: job.job, kind: job.kind, status: "lost" };
    }
    log(`worker: job ${job.job}: ${result.status}${result.reason ? `: ${result.reason.split("\n")[0]}` : ""}`);
    return { job: job.job, kind: job.kind, status: result.status, duplicate: posted.duplicate };
  } finally {
    clearInterval(beat);
    options.stop.removeEventListener("abort", stopping);
  }
}

/** The longest long poll the server takes (POST /jobs/lease, waitSeconds); --once --wait longer polls again. */
const longestPollSeconds = 60;

async function slot(options: WorkerOptions, name: string, summary: WorkerSummary): Promise<void> {
  let backoff = 1_000;
  const deadline = Date.now() + options.waitSeconds * 1000;
  while (!options.stop.aborted && !summary.unreachable) {
    let lease: Lease | undefined;
    const wait = Math.min(longestPollSeconds, options.once ? Math.max(0, Math.ceil((deadline - Date.now()) / 1000)) : options.waitSeconds);
    try {
      lease = await options.server.lease(name, options.platform, wait, options.stop);
      backoff = 1_000;
    } catch (error) {
      if (!(error instanceof ServerCallError)) throw error;
      if (!error.transient || options.once) {
        summary.unreachable = error.message;
        return;
      }
      options.log(`worker: ${error.message}; retrying in ${backoff / 1000} s`);
      await sleep(backoff, options.stop);
      backoff = Math.min(backoff * 2, 60_000);
      continue;
    }
    if (lease) summary.jobs.push(await runLeased(options, lease));
    if (options.once && (lease || Date.now() >= deadline)) return;
  }
}

export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const summary: WorkerSummary = { jobs: [] };
  const base = `${hostname()}:${process.pid}`;
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => slot(options, options.concurrency > 1 ? `${base}/${i + 1}` : base, summary)));
  return summary;
}
