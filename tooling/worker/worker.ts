// The worker loop: lease a job of this host's platform (long poll), run it while heartbeats keep the lease,
// post its result (idempotent by job and attempt, so it is safe to send again), repeat. A lease the server
// took back (409) stops the job; a stop request (SIGTERM) hands running jobs back so another worker takes
// them at once instead of after the lease expires. A lease that fails its checks (lease.ts) is refused: failed
// with the reason when its job id and attempt are usable, else logged; the worker goes on.
import { hostname } from "node:os";
import { summaryLine } from "../../src/evidence/checkpoint-words.ts";
import type { JobResultRequest } from "../api/wire.ts";
import type { LeaseReading } from "./lease.ts";
import { ServerCallError } from "../api/client.ts";
import { runJob, type JobSettings } from "./run-job.ts";
import type { JobServer, Lease } from "./server-client.ts";
import { errorMessage } from "../../src/errors.ts";

/** Runs one leased job to its result; "released" when `signal` stopped it. */
export type JobRunner = (lease: Lease, server: JobServer, settings: JobSettings, signal: AbortSignal) => Promise<JobResultRequest>;

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
  /** What runs a job (default: the registry's own commands, run-job.ts). */
  runJob?: JobRunner;
}

export interface WorkerSummary {
  jobs: Array<{ job: string; kind: string; status: JobResultRequest["status"] | "lost" | "refused"; duplicate?: boolean; reason?: string }>;
  /** Why the worker stopped early: the server could not be reached or refused the token. */
  unreachable?: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

async function postResult(options: WorkerOptions, job: string, result: JobResultRequest): Promise<{ duplicate: boolean } | "lost"> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.server.result(job, result);
    } catch (error) {
      if (error instanceof ServerCallError && error.status === 409) return "lost";
      if (!(error instanceof ServerCallError) || !error.transient || attempt >= 5) throw error;
      options.log(`worker: posting the result of job ${job} failed (${error.message}); retrying`);
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
  const beat = setInterval(
    () => {
      server.heartbeat(job.job, attempt).catch((error: unknown) => {
        if (error instanceof ServerCallError && error.status === 409) {
          lost = true;
          log(`worker: lost the lease of job ${job.job}: ${error.message}; stopping it`);
          controller.abort();
        } else log(`worker: heartbeat of job ${job.job} failed: ${errorMessage(error)}`);
      });
    },
    Math.max(1_000, (leaseSeconds * 1000) / 3),
  );
  log(`worker: job ${job.job}: ${job.kind} of ${job.checkpoint.id} on ${job.platform}${job.dtype ? ` in ${job.dtype}` : ""} (attempt ${attempt})`);
  try {
    // What goes wrong on this host (a full disk, a permission) fails the job as the environment's and the worker goes on.
    const result = await (options.runJob ?? runJob)(lease, server, options.settings, controller.signal).catch((error: unknown): JobResultRequest => ({
      attempt,
      status: "failed",
      fault: "environment",
      deterministic: false,
      reason: summaryLine(`the worker could not run the job: ${errorMessage(error)}`),
    }));
    if (lost) return { job: job.job, kind: job.kind, status: "lost" };
    const posted = await postResult(options, job.job, result);
    if (posted === "lost") {
      log(`worker: job ${job.job}: the server no longer held it for this worker; the result was not taken`);
      return { job: job.job, kind: job.kind, status: "lost" };
    }
    log(`worker: job ${job.job}: ${result.status}${result.fault ? ` (${result.fault})` : ""}${result.reason ? `: ${summaryLine(result.reason)}` : ""}`);
    return { job: job.job, kind: job.kind, status: result.status, duplicate: posted.duplicate };
  } finally {
    clearInterval(beat);
    options.stop.removeEventListener("abort", stopping);
  }
}

/** A lease that failed its checks: nothing of it is used but a well-formed job id and attempt, to fail it. */
async function refuse(options: WorkerOptions, refused: Extract<LeaseReading, { ok: false }>): Promise<WorkerSummary["jobs"][number]> {
  const reason = `the worker refused the lease: ${refused.problem}`;
  options.log(`worker: ${reason}${refused.job ? ` (job ${refused.job})` : ""}`);
  if (refused.job === undefined || refused.attempt === undefined) return { job: refused.job ?? "?", kind: "?", status: "refused", reason };
  try {
    await postResult(options, refused.job, { attempt: refused.attempt, status: "failed", fault: "environment", deterministic: false, reason });
  } catch (error) {
    options.log(`worker: telling the server that job ${refused.job} was refused failed: ${errorMessage(error)}`);
  }
  return { job: refused.job, kind: "?", status: "refused", reason };
}

/** The longest long poll the server takes (POST /jobs/lease, waitSeconds); --once --wait longer polls again. */
const longestPollSeconds = 60;

async function slot(options: WorkerOptions, name: string, summary: WorkerSummary): Promise<void> {
  let backoff = 1_000;
  const deadline = Date.now() + options.waitSeconds * 1000;
  while (!options.stop.aborted && !summary.unreachable) {
    let lease: LeaseReading | undefined;
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
    if (lease) summary.jobs.push(lease.ok ? await runLeased(options, lease.lease) : await refuse(options, lease));
    if (options.once && (lease || Date.now() >= deadline)) return;
  }
}

export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const summary: WorkerSummary = { jobs: [] };
  const base = `${hostname()}:${process.pid}`;
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => slot(options, options.concurrency > 1 ? `${base}/${i + 1}` : base, summary)));
  return summary;
}
