// Verification fan-out end to end: a registry server with platforms, two real `registry worker` processes for
// linux-x86_64-cpu (offline, a wheelhouse of the tiny test package, Debian's torch), one registration of a real
// torch checkpoint: verify-unpickling, the float64 reference and the float32 log-run run on the workers, the
// server compares them, and the evidence lands in the entry once. One worker is SIGKILLed in the middle of a
// job: the job is leased again after its lease expires and completes on the other. A platform no worker serves
// stays queued; a hostile checkpoint is refused by the worker's scan and the refusal recorded.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { file, startServer } from "../support/http-servers.ts";
import {
  buildTinyModels,
  checkpointWithPickle,
  makeCheckpoint,
  torchPython,
  torchUnavailable,
  type TinyModels,
  tinyModelOptions,
} from "../support/python-fixtures.ts";
import { register, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";

const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the fan-out tests: ${unavailable}`);
if (unavailable) console.warn(`skipping the fan-out tests: ${unavailable}`);

const cpu = "linux-x86_64-cpu";
const unserved = "linux-aarch64-cuda";

interface JobView {
  job: string;
  kind: string;
  platform: string;
  state: string;
  attempts: number;
  role?: string;
  dtype?: string;
  leaseOwner?: string;
  reason?: string;
  outcome?: string;
  checkpoint: { id: string };
}

describe.skipIf(unavailable)("verification on many hosts", () => {
  let dir: string;
  let models: TinyModels;
  let registry: TestRegistry;
  let markers: string;
  let files: Awaited<ReturnType<typeof startServer>>;
  const workers: Array<{ process: ResultPromise; log: string[] }> = [];

  const jobsOf = async (query: string): Promise<JobView[]> =>
    ((await (await registry.call(`/api/v1/jobs?${query}`, { as: "admin" })).json()) as { jobs: JobView[] }).jobs;

  function startWorker(cacheDir: string) {
    const log: string[] = [];
    const child = execa(
      process.execPath,
      [
        join(repoRoot, "tooling", "registry.mjs"),
        "worker",
        "--server",
        registry.url,
        "--platform",
        cpu,
        "--wait",
        "2",
        ...tinyModelOptions(models),
        "--allow-private-network",
        "--cache-dir",
        cacheDir,
        "--work-dir",
        join(dir, `work-${workers.length}`),
        "--json",
      ],
      { env: { REGISTRY_WORKER_TOKEN: registry.token.worker }, reject: false },
    );
    child.stderr!.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    const worker = { process: child as unknown as ResultPromise, log };
    workers.push(worker);
    return worker;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(
          `${what}: not within ${timeoutMs / 1000} s\n${workers.map((w, i) => `worker ${i}:\n${w.log.join("").slice(-3000)}`).join("\n")}\nserver:\n${registry.logs.slice(-30).join("\n")}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    dir = await tempDir("fan-out-");
    models = await buildTinyModels(dir);
    const tiny = await makeCheckpoint(models, join(dir, "tiny-fanout.ckpt"), "tiny_models.TinyNet");
    markers = join(dir, "markers");
    const corpus = JSON.parse((await execa(torchPython, [join(repoRoot, "tests", "support", "hostile_pickles.py"), markers])).stdout) as Record<
      string,
      { pickle: string }
    >;
    const hostile = await checkpointWithPickle(tiny, Buffer.from(corpus["os-system"]!.pickle, "base64"), join(dir, "hostile-fanout.ckpt"));
    files = await startServer({ "/tiny-fanout.ckpt": file({ path: tiny }), "/hostile-fanout.ckpt": file({ path: hostile }) });
    registry = await startTestRegistry({
      platforms: [
        { key: cpu, dtype: "float32" },
        { key: unserved, dtype: "bfloat16" },
      ],
      referencePlatform: cpu,
      leaseSeconds: 4,
      jobAttempts: 3,
    });
    for (const name of ["tiny-fanout", "hostile-fanout"]) {
      const response = await register(registry, { url: files.url(`/${name}.ckpt`) });
      expect(response.status, await response.clone().text()).toBe(202);
      expect((await settled(registry, response.headers.get("location")!)).state).toBe("registered");
    }
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) w.process.kill("SIGKILL");
    await registry?.close();
  });

  it("creates the jobs at registration: per platform verify then log-run, a float64 reference, comparisons", async () => {
    const jobs = await jobsOf("checkpoint=tiny-fanout");
    const summary = jobs.map((j) => `${j.platform} ${j.kind}${j.dtype ? ` ${j.dtype}` : ""}${j.role ? ` ${j.role}` : ""} ${j.state}`).sort();
    expect(summary).toEqual([
      `${unserved} compare-runs waiting`,
      `${unserved} log-run bfloat16 candidate waiting`,
      `${unserved} verify-unpickling queued`,
      `${cpu} compare-runs waiting`,
      `${cpu} log-run float32 candidate waiting`,
      `${cpu} log-run float64 reference waiting`,
      `${cpu} verify-unpickling queued`,
    ]);
  });

  it("runs them on two workers; a worker killed in a job's middle loses it to the other; nothing is applied twice", async () => {
    const cache = join(dir, "host-cache");
    const pair = [startWorker(cache), startWorker(cache)];
    // Whichever worker leases the first job of the tiny checkpoint is killed outright a moment into it.
    const victim = await until("a job leased", async () => (await jobsOf("state=leased")).find((j) => j.checkpoint.id === "tiny-fanout"), 60_000);
    const killedWorker = pair.find((w) => victim.leaseOwner?.includes(`:${w.process.pid} `))!;
    expect(killedWorker).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    killedWorker.process.kill("SIGKILL");
    await killedWorker.process;
    workers.splice(workers.indexOf(killedWorker), 1);

    const done = await until(
      "every job of the CPU platform done",
      async () => {
        const jobs = (await jobsOf(`checkpoint=tiny-fanout&platform=${cpu}`)).filter((j) => j.state !== "done");
        const broken = jobs.find((j) => j.state === "failed" || j.state === "cancelled");
        if (broken) throw new Error(`job ${broken.kind} ${broken.state}: ${broken.reason}`);
        return jobs.length === 0 ? true : undefined;
      },
      240_000,
    );
    expect(done).toBe(true);

    const killed = (await (await registry.call(`/api/v1/jobs/${victim.job}`, { as: "admin" })).json()) as JobView;
    expect(killed.state).toBe("done");
    expect(killed.attempts).toBe(2);
    expect(killed.reason).toMatch(/expired/);

    const entry = await (await registry.call("/api/v1/checkpoints/tiny-fanout")).json();
    const platform = entry.compatibility[cpu];
    expect(platform.status).toBe("compatible");
    const checks = platform.evidence.map((e: { check: string; result: string }) => `${e.check} ${e.result}`).sort();
    expect(checks).toEqual(["compare-runs pass", "run pass", "unpickle pass"]);
    expect(entry.compatibility[unserved]).toBeUndefined();
    // The plain file server gave no digest; the workers hashed the download, and the entry records it now.
    expect(entry.source.sha256).toBe(
      createHash("sha256")
        .update(await readFile(join(dir, "tiny-fanout.ckpt")))
        .digest("hex"),
    );
    // Two workers, four jobs on this host, and the checkpoint was downloaded whole once (the rest were the
    // registration's Range reads).
    expect(files.stats.log.filter((r) => r.path === "/tiny-fanout.ckpt" && r.range === undefined)).toHaveLength(1);

    // A result sent again changes nothing; a late one from the killed attempt is refused.
    const revision = (await (await registry.call("/api/v1/health")).json()).revision;
    const verify = (await jobsOf(`checkpoint=tiny-fanout&platform=${cpu}`)).find((j) => j.kind === "verify-unpickling")!;
    const post = (job: string, body: unknown) =>
      registry.call(`/api/v1/jobs/${job}/result`, {
        method: "POST",
        as: "worker",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const again = await post(verify.job, { attempt: verify.attempts, status: "done", result: { kind: "verify-unpickling" } });
    expect(again.status).toBe(200);
    expect((await again.json()).duplicate).toBe(true);
    const late = await post(killed.job, { attempt: 1, status: "failed", reason: "late" });
    expect(late.status).toBe(409);
    expect((await (await registry.call("/api/v1/health")).json()).revision).toBe(revision);
    const rows = registry.db.prepare("SELECT job_id, count(*) AS n FROM job_results WHERE status = 'done' GROUP BY job_id HAVING n > 1").all();
    expect(rows).toEqual([]);
  }, 300_000);

  it("leaves a platform with no worker queued, visibly, without holding up the others", async () => {
    const queued = await jobsOf(`platform=${unserved}&state=queued`);
    expect(queued.map((j) => `${j.checkpoint.id} ${j.kind}`).sort()).toEqual(["hostile-fanout verify-unpickling", "tiny-fanout verify-unpickling"]);
    const cli = await execa(process.execPath, [join(repoRoot, "tooling", "registry.mjs"), "jobs", "--server", registry.url, "--state", "queued"], {
      reject: false,
      env: { REGISTRY_TOKEN: registry.token.worker },
    });
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`queued    ${unserved}`);
  });

  it("refuses a hostile checkpoint in the worker's scan before Python runs, and records the refusal", async () => {
    await until(
      "the hostile checkpoint's verification done",
      async () => {
        const verify = (await jobsOf(`checkpoint=hostile-fanout&platform=${cpu}`)).find((j) => j.kind === "verify-unpickling");
        return verify?.state === "done" ? verify : undefined;
      },
      120_000,
    );
    const jobs = await jobsOf(`checkpoint=hostile-fanout&platform=${cpu}`);
    expect(jobs.find((j) => j.kind === "verify-unpickling")!.outcome).toBe("refused-unsafe");
    for (const j of jobs.filter((j) => j.kind !== "verify-unpickling")) expect(`${j.kind} ${j.state}`).toBe(`${j.kind} cancelled`);
    const entry = await (await registry.call("/api/v1/checkpoints/hostile-fanout")).json();
    expect(entry.compatibility[cpu].status).toBe("incompatible");
    expect(entry.compatibility[cpu].evidence).toMatchObject([
      { check: "unpickle", result: "fail", summary: expect.stringMatching(/^refused-unsafe: refused before running any Python/) },
    ]);
    expect(existsSync(markers) ? readdirSync(markers) : []).toEqual([]);
  }, 150_000);

  it("hands its job back on SIGTERM and exits 0", async () => {
    const worker = workers.at(-1)!;
    worker.process.kill("SIGTERM");
    const result = await worker.process;
    expect(result.exitCode, worker.log.join("")).toBe(0);
    expect((await jobsOf("state=leased")).filter((j) => j.platform === cpu)).toEqual([]);
  });
});
