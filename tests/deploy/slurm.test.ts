// deploy/slurm/registry-worker-cpu.sbatch, unchanged, through a real Slurm (tests/support/slurm.ts) against the
// real `registry serve` on 127.0.0.1 with a real torch checkpoint registered: a job takes the checkpoint's
// verification and its evidence appears in GET /api/v1/checkpoints/{id}; a second job is cancelled by a plain
// `scancel` while its log-run of the checkpoint runs and hands the job back; the README's cron line submits a
// third that finishes it, and nothing is recorded twice. Meanwhile a worker with nothing to do gets the script's own
// `--signal=B:TERM@600` ten minutes before its time limit and ends cleanly. sbatch takes this machine's size on
// its command line (1 CPU, 1 GiB), which overrides the script's directives, as deploy/README.md says.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { closeAllServers, file, startServer } from "../support/http-servers.ts";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable, type TinyModels } from "../support/python-fixtures.ts";
import { settled, spawnServe } from "../support/registry-server.ts";
import { slurmUnavailable, startSlurm, type SlurmCluster } from "../support/slurm.ts";
import { files } from "./deploy-files.ts";

const unavailable =
  slurmUnavailable() ?? (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the Slurm tests: ${unavailable}`);
if (unavailable) console.warn(`skipping the Slurm tests: ${unavailable}`);

const checkout = repoRoot.replace(/\/$/, "");
const machine = execFileSync("uname", ["-m"], { encoding: "utf8" }).trim();
const cpu = `linux-${machine}-cpu`;
const checkpointId = "tiny-slurm";
/** This machine is smaller than the script's partition: its directives are defaults that the command line overrides. */
const smaller = ["--partition=cpu", "--cpus-per-task=1", "--mem=1G"];

interface JobView {
  job: string;
  kind: string;
  platform: string;
  state: string;
  attempts: number;
  leaseOwner?: string;
  reason?: string;
}

describe.skipIf(unavailable)("the Slurm scripts under a real Slurm", () => {
  let slurm: SlurmCluster;
  let dir: string;
  let models: TinyModels;
  let serve: Awaited<ReturnType<typeof spawnServe>>;
  let db: string;
  let logs: string;
  let cacheDir: string;
  /** What a job's environment holds, exported by sbatch from the submitter's as the README describes. */
  let jobEnv: Record<string, string>;
  let idleJob: string;
  /** An admin token: job listings need one. */
  let adminToken: string;

  const api = async (path: string, init: RequestInit = {}) => fetch(`${serve.url}${path}`, init);
  const jobsOf = async (): Promise<JobView[]> =>
    ((await (await api(`/api/v1/jobs?checkpoint=${checkpointId}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { jobs: JobView[] }).jobs;
  const jobOfKind = async (kind: string) => (await jobsOf()).find((j) => j.kind === kind)!;
  const evidence = async () => {
    const entry = (await (await api(`/api/v1/checkpoints/${checkpointId}`)).json()) as {
      compatibility?: Record<string, { status: string; evidence: Array<{ check: string; result: string }> }>;
    };
    return entry.compatibility?.[cpu];
  };
  const jobLog = (id: string) => readFile(join(logs, `fiab-registry-worker-cpu-${id}.log`), "utf8").catch(() => "(no log)");

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s\nserver:\n${serve.stderr().slice(-3000)}\n${await slurm.logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Submits the CPU script from the checkout, as the README does; its log goes to `logs` (--chdir). */
  const submit = (extra: string[] = [], env: Record<string, string> = {}) =>
    slurm.sbatch([...smaller, `--chdir=${logs}`, ...extra, files.slurmCpu], { cwd: checkout, env: { ...jobEnv, ...env } });

  beforeAll(async () => {
    slurm = await startSlurm();
    dir = await tempDir("slurm-registry-");
    logs = join(dir, "logs");
    cacheDir = join(dir, "node-cache");
    await mkdir(logs);
    // The README's token file, in the home the jobs see.
    const home = join(dir, "home");
    await mkdir(join(home, ".config", "fiab-registry"), { recursive: true });

    models = await buildTinyModels(dir);
    const checkpoint = await makeCheckpoint(models, join(dir, `${checkpointId}.ckpt`), "tiny_models.TinyNet");
    const checkpoints = await startServer({ [`/${checkpointId}.ckpt`]: file({ path: checkpoint }) });

    db = join(dir, "registry.db");
    // verify-unpickling then one log-run per checkpoint: the cheapest jobs that still run the checkpoint.
    serve = await spawnServe(["--db", db, "--platforms", cpu, "--reference-platform", "none", "--lease-seconds", "20"]);
    const token = async (scope: string, name: string) =>
      (await execa(process.execPath, [join(checkout, "tooling/registry.mjs"), "token", "create", "--db", db, "--scope", scope, "--name", name])).stdout.trim();
    await writeFile(join(home, ".config", "fiab-registry", "worker-token"), `${await token("worker", slurm.node.name)}\n`, { mode: 0o600 });
    adminToken = await token("admin", "slurm-test-admin");
    const registered = await api("/api/v1/register", {
      method: "PUT",
      headers: { authorization: `Bearer ${await token("register", "slurm-test")}`, "content-type": "application/json" },
      body: JSON.stringify({ url: checkpoints.url(`/${checkpointId}.ckpt`) }),
    });
    expect(registered.status, await registered.clone().text()).toBe(202);
    expect((await settled(serve, registered.headers.get("location")!)).state).toBe("registered");

    jobEnv = {
      PATH: process.env.PATH!,
      HOME: home,
      REGISTRY_SERVER_URL: serve.url,
      REGISTRY_WORKER_CACHE_DIR: cacheDir,
      REGISTRY_WORKER_WORK_DIR: join(dir, "work"),
      REGISTRY_WORKER_PYTHON: torchPython,
      // Offline: the test package from a local wheelhouse, Debian's torch from the system site packages.
      REGISTRY_WORKER_EXTRA_ARGS: `--offline --find-links ${models.wheelhouse} --system-site-packages --allow-package tiny_models --allow-private-network`,
    };
    // A worker on a platform with no jobs, waiting ten minutes for one; --time=12 makes the script's
    // --signal=B:TERM@600 come two minutes in (Slurm sends it up to a minute early).
    idleJob = await submit(["--time=12"], { REGISTRY_WORKER_PLATFORM: `linux-${machine}-idle`, REGISTRY_WORKER_WAIT: "600" });
  }, 240_000);

  afterAll(async () => {
    await slurm?.stop();
    serve?.child.kill("SIGTERM");
    await serve?.child;
    await closeAllServers();
  });

  it("a job of the unchanged script takes the verification, and the entry gets its evidence", async () => {
    expect(await evidence()).toBeUndefined();
    // --reference-platform none: no float64 reference and no comparison, only the checkpoint's own two jobs.
    expect((await jobsOf()).map((j) => `${j.kind} ${j.state}`).sort()).toEqual(["log-run waiting", "verify-unpickling queued"]);
    const id = await submit();
    // What Slurm runs is the file in deploy/, byte for byte.
    const held = await slurm.run("scontrol", ["write", "batch_script", id, "-"]);
    expect(held.stdout).toBe(readFileSync(files.slurmCpu, "utf8").replace(/\n$/, ""));

    const finished = await slurm.finished(id, 300_000);
    const log = await jobLog(id);
    expect(finished, log).toEqual({ id, state: "COMPLETED", exitCode: "0:0" });
    // The log is where the README says: fiab-registry-worker-cpu-<job id>.log in the job's working directory.
    expect(log).toContain(`registry-worker.sbatch: job ${id} on ${slurm.node.name} for ${cpu}`);
    const verify = await jobOfKind("verify-unpickling");
    expect(log).toMatch(new RegExp(`^${verify.job} verify-unpickling done$`, "m"));
    expect(verify).toMatchObject({ state: "done", attempts: 1, platform: cpu });
    expect(await evidence()).toMatchObject({ evidence: [{ check: "unpickle", result: "pass" }] });
  }, 360_000);

  it("a job cancelled by scancel in the middle of its log-run hands it back; the README's cron line submits the job that finishes it", async () => {
    const run = await until("the log-run to be queued", async () => ((await jobOfKind("log-run")).state === "queued" ? true : undefined), 30_000);
    expect(run).toBe(true);
    const cancelled = await submit();
    // The worker's own command runs the checkpoint: `registry.mjs log-run <the cached checkpoint> ...`.
    await until("the checkpoint's log-run to start", async () => (runningLogRun(cacheDir) ? true : undefined), 180_000);
    expect((await jobOfKind("log-run")).state).toBe("leased");
    expect((await slurm.run("scancel", [cancelled])).exitCode).toBe(0);
    const ended = await slurm.finished(cancelled, 120_000);
    expect(ended.state, await jobLog(cancelled)).toBe("CANCELLED");
    // Slurm records the job as cancelled when it signals it; the worker says so and hands the job back after
    // that, while it stops: a loaded machine may take a moment to write the line.
    const cancelledLog = await until(
      "the worker's SIGTERM line",
      async () => {
        const log = await jobLog(cancelled);
        return log.includes("SIGTERM: handing running jobs back") ? log : undefined;
      },
      60_000,
    );
    const handedBack = await until(
      "the worker to hand the log-run back",
      async () => {
        const job = await jobOfKind("log-run");
        return job.state === "leased" ? undefined : job;
      },
      60_000,
    );
    expect(handedBack, cancelledLog).toMatchObject({ state: "queued", attempts: 1, reason: expect.stringMatching(/^handed back by /) });

    // deploy/README.md's cron line for this partition: the CPU script, this machine's size, the test's server.
    const line = readFileSync(join(repoRoot, "deploy", "README.md"), "utf8")
      .split("\n")
      .find((l) => l.startsWith("*/15 * * * * cd /srv/fiab-model-registry && squeue"));
    expect(line).toBeDefined();
    const command = line!
      .replace(/^(\S+ ){5}/, "")
      .replace("cd /srv/fiab-model-registry", `cd ${checkout}`)
      .replace("--name=fiab-registry-worker ", "--name=fiab-registry-worker-cpu ")
      .replace("https://registry.example.org", serve.url)
      .replace("sbatch deploy/slurm/registry-worker.sbatch", `sbatch ${[...smaller, `--chdir=${logs}`].join(" ")} deploy/slurm/registry-worker-cpu.sbatch`);
    // cron's environment: its own PATH, HOME and SHELL; the settings as variables of the crontab.
    const { REGISTRY_SERVER_URL: _, PATH: __, ...settings } = jobEnv;
    const cron = () =>
      execa("/bin/sh", ["-c", command], {
        cwd: jobEnv.HOME!,
        env: { ...settings, ...slurm.env, PATH: "/usr/bin:/bin", SHELL: "/bin/sh", LOGNAME: "root" },
        extendEnv: false,
        reject: false,
        timeout: 30_000,
      });
    const workers = async (state: string) =>
      (await slurm.run("squeue", ["-h", "--name=fiab-registry-worker-cpu", `--states=${state}`, "-o", "%i"])).stdout.split("\n").filter(Boolean);

    // A worker still waiting in the queue: the line submits nothing.
    const waiting = await submit(["--hold"]);
    expect(await workers("PENDING")).toEqual([waiting]);
    expect((await cron()).exitCode).toBe(0);
    expect(await workers("PENDING")).toEqual([waiting]);
    await slurm.run("scancel", [waiting]);
    await slurm.finished(waiting, 60_000);
    // None waiting: it submits one, which takes the job handed back and finishes it.
    const submitted = await cron();
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const finisher = /^Submitted batch job (\d+)$/m.exec(submitted.stdout)?.[1];
    expect(finisher, submitted.stdout).toBeDefined();
    const done = await slurm.finished(finisher!, 300_000);
    expect(done, await jobLog(finisher!)).toEqual({ id: finisher, state: "COMPLETED", exitCode: "0:0" });
    expect(await jobOfKind("log-run")).toMatchObject({ state: "done", attempts: 2 });

    const platform = await evidence();
    expect(platform!.evidence.map((e) => `${e.check} ${e.result}`).sort()).toEqual(["run pass", "unpickle pass"]);
    // Each attempt's result recorded once: the hand-back, then the finished run.
    const reader = new DatabaseSync(db, { readOnly: true });
    try {
      const results = reader.prepare("SELECT j.kind, r.attempt, r.status FROM job_results r JOIN jobs j ON j.id = r.job_id ORDER BY j.kind, r.attempt").all();
      expect(results.map((r) => `${r.kind} ${r.attempt} ${r.status}`)).toEqual(["log-run 1 released", "log-run 2 done", "verify-unpickling 1 done"]);
    } finally {
      reader.close();
    }
  }, 600_000);

  it("exits as the README says, and sacct shows it: 75 for a refused token, 2 for a missing setting", async () => {
    const wrongToken = join(dir, "wrong-token");
    await writeFile(wrongToken, "fmr_not-a-token\n", { mode: 0o600 });
    const refused = await submit([], { REGISTRY_WORKER_TOKEN_FILE: wrongToken });
    expect(await slurm.finished(refused, 120_000), await jobLog(refused)).toEqual({ id: refused, state: "FAILED", exitCode: "75:0" });
    expect(await jobLog(refused)).toMatch(/worker: stopped: .*401/);
    const unset = await submit([], { REGISTRY_SERVER_URL: "" });
    expect(await slurm.finished(unset, 120_000), await jobLog(unset)).toEqual({ id: unset, state: "FAILED", exitCode: "2:0" });
    expect(await jobLog(unset)).toContain("REGISTRY_SERVER_URL is not set");
  }, 300_000);

  it("the script's --signal=B:TERM@600 reaches the worker, which stops cleanly before the time limit", async () => {
    const ended = await slurm.finished(idleJob, 240_000);
    const log = await jobLog(idleJob);
    expect(ended, log).toEqual({ id: idleJob, state: "COMPLETED", exitCode: "0:0" });
    expect(log).toContain("worker: SIGTERM: handing running jobs back and stopping");
    expect(log).toMatch(/^no job$/m);
  }, 300_000);
});

/** Whether the worker's log-run of a checkpoint from `cacheDir` is running (its command line, from /proc). */
function runningLogRun(cacheDir: string): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv[2] === "log-run" && argv[3]?.startsWith(cacheDir)) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}
