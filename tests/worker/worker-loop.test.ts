// The worker loop (tooling/worker/worker.ts) against an in-memory job server: a lease is run and its result
// posted; a 409 on a heartbeat stops the job as lost and posts nothing; a stop request hands a running job back
// ("released"); a server that cannot be reached or refuses the token stops the worker with the reason; --once
// takes one job. The job runner is injected (no torch, no bubblewrap): what is tested is the loop around it.
import { describe, expect, it } from "vitest";
import { ServerCallError } from "../../tooling/api/client.ts";
import type { JobResultRequest } from "../../tooling/api/wire.ts";
import type { LeaseReading } from "../../tooling/worker/lease.ts";
import type { JobServer, Lease } from "../../tooling/worker/server-client.ts";
import { runWorker, type JobRunner, type WorkerOptions } from "../../tooling/worker/worker.ts";

const cpu = "linux-x86_64-cpu";

function leaseOf(n: number, leaseSeconds = 60): Lease {
  return {
    job: {
      job: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      kind: "verify-unpickling",
      platform: cpu,
      checkpoint: { id: `tiny-${n}`, url: `https://example.org/tiny-${n}.ckpt` },
    },
    attempt: 1,
    leaseSeconds,
  };
}

/** A job server held in memory: hands out `leases` in order (then none), records heartbeats and results. */
class FakeJobServer implements JobServer {
  readonly leases: Array<Lease | ServerCallError>;
  readonly heartbeats: Array<{ job: string; attempt: number }> = [];
  readonly results: Array<{ job: string; result: JobResultRequest }> = [];
  leaseCalls = 0;
  /** Jobs whose lease the server took back: their heartbeats and results are answered 409. */
  readonly lost = new Set<string>();

  constructor(leases: Array<Lease | ServerCallError>) {
    this.leases = [...leases];
  }

  async lease(_worker: string, platform: string, waitSeconds: number, signal?: AbortSignal): Promise<LeaseReading | undefined> {
    this.leaseCalls++;
    const next = this.leases.shift();
    if (next instanceof ServerCallError) throw next;
    if (next) return { ok: true, lease: { ...next, job: { ...next.job, platform } } };
    // No job: a long poll that ends at its wait or when the worker stops.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(waitSeconds, 1) * 1000);
      signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    return undefined;
  }

  async heartbeat(job: string, attempt: number): Promise<void> {
    this.heartbeats.push({ job, attempt });
    if (this.lost.has(job)) throw new ServerCallError(`POST /jobs/${job}/heartbeat: 409 the lease of job ${job} is no longer yours`, 409);
  }

  async result(job: string, result: JobResultRequest): Promise<{ duplicate: boolean }> {
    if (this.lost.has(job)) throw new ServerCallError(`POST /jobs/${job}/result: 409 not yours`, 409);
    const duplicate = this.results.some((r) => r.job === job && r.result.attempt === result.attempt);
    this.results.push({ job, result });
    return { duplicate };
  }

  async upload(): Promise<string> {
    throw new Error("no job of these tests uploads");
  }
}

/** A runner that finishes at once with a verification's result. */
const passes: JobRunner = async (lease) => ({ attempt: lease.attempt, status: "done", result: { status: "ok", checkpoint: lease.job.checkpoint.id } });

/** A runner that runs until it is stopped, then hands the job back as run-job.ts does. */
const runsUntilStopped =
  (started: () => void): JobRunner =>
  (lease, _server, _settings, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ attempt: lease.attempt, status: "failed", reason: "never stopped within 20 s" }), 20_000);
      signal.addEventListener(
        "abort",
        () => (clearTimeout(timer), resolve({ attempt: lease.attempt, status: "released", reason: `the worker stopped during ${lease.job.kind}` })),
        { once: true },
      );
      started();
    });

function options(server: FakeJobServer, more: Partial<WorkerOptions>): WorkerOptions & { logged: string[] } {
  const logged: string[] = [];
  return {
    server,
    platform: cpu,
    once: false,
    waitSeconds: 1,
    concurrency: 1,
    settings: {
      cacheDir: "/nonexistent/cache",
      workDir: "/nonexistent/work",
      commandOptions: [],
      allowPrivateNetwork: false,
      downloadTimeoutMs: 1_000,
      log: () => undefined,
    },
    stop: new AbortController().signal,
    log: (message) => logged.push(message),
    runJob: passes,
    logged,
    ...more,
  };
}

describe("the worker loop", () => {
  it("runs a leased job and posts its result; --once returns after one job", async () => {
    const server = new FakeJobServer([leaseOf(1), leaseOf(2)]);
    const summary = await runWorker(options(server, { once: true }));
    expect(summary).toEqual({ jobs: [{ job: leaseOf(1).job.job, kind: "verify-unpickling", status: "done", duplicate: false }] });
    expect(server.results).toEqual([{ job: leaseOf(1).job.job, result: { attempt: 1, status: "done", result: { status: "ok", checkpoint: "tiny-1" } } }]);
    expect(server.leaseCalls).toBe(1);
    expect(server.leases).toHaveLength(1);
  });

  it("--once without a job returns when its wait is over, with nothing run", async () => {
    const server = new FakeJobServer([]);
    const summary = await runWorker(options(server, { once: true, waitSeconds: 1 }));
    expect(summary).toEqual({ jobs: [] });
    expect(server.results).toEqual([]);
  });

  it("a long-running worker takes the next job until it is stopped", async () => {
    const server = new FakeJobServer([leaseOf(1), leaseOf(2)]);
    const stop = new AbortController();
    const run = runWorker(options(server, { stop: stop.signal }));
    for (let i = 0; i < 100 && server.results.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const summary = await run;
    expect(summary.jobs.map((j) => `${j.job} ${j.status}`)).toEqual([`${leaseOf(1).job.job} done`, `${leaseOf(2).job.job} done`]);
  });

  it("stops a job whose lease the server took back (409 on a heartbeat) and posts no result", async () => {
    const server = new FakeJobServer([leaseOf(1, 1)]);
    server.lost.add(leaseOf(1).job.job);
    const summary = await runWorker(options(server, { once: true, runJob: runsUntilStopped(() => undefined) }));
    expect(summary.jobs).toEqual([{ job: leaseOf(1).job.job, kind: "verify-unpickling", status: "lost" }]);
    expect(server.heartbeats[0]).toEqual({ job: leaseOf(1).job.job, attempt: 1 });
    expect(server.results).toEqual([]);
  });

  it("hands a running job back (released) when it is asked to stop", async () => {
    const server = new FakeJobServer([leaseOf(1)]);
    const stop = new AbortController();
    const summary = await runWorker(options(server, { stop: stop.signal, runJob: runsUntilStopped(() => stop.abort()) }));
    expect(summary.jobs).toEqual([{ job: leaseOf(1).job.job, kind: "verify-unpickling", status: "released", duplicate: false }]);
    expect(server.results).toEqual([
      { job: leaseOf(1).job.job, result: { attempt: 1, status: "released", reason: "the worker stopped during verify-unpickling" } },
    ]);
  });

  it("stops with the reason when the server refuses the token, and with --once when it cannot be reached", async () => {
    const refused = new FakeJobServer([new ServerCallError("POST /jobs/lease: 401 no such token", 401)]);
    expect(await runWorker(options(refused, {}))).toEqual({ jobs: [], unreachable: "POST /jobs/lease: 401 no such token" });
    const down = new FakeJobServer([new ServerCallError("POST /jobs/lease: connect ECONNREFUSED 127.0.0.1:9", undefined)]);
    expect(await runWorker(options(down, { once: true }))).toEqual({ jobs: [], unreachable: "POST /jobs/lease: connect ECONNREFUSED 127.0.0.1:9" });
  });

  it("retries a server it cannot reach when it runs on, and takes the job once it answers", async () => {
    const server = new FakeJobServer([new ServerCallError("POST /jobs/lease: 503 starting", 503), leaseOf(1)]);
    const stop = new AbortController();
    const worker = options(server, { stop: stop.signal });
    const run = runWorker(worker);
    for (let i = 0; i < 100 && server.results.length < 1; i++) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const summary = await run;
    expect(summary.jobs.map((j) => j.status)).toEqual(["done"]);
    expect(worker.logged).toContain("worker: POST /jobs/lease: 503 starting; retrying in 1 s");
  });
});
