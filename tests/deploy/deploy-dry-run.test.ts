// The worker command line each deployment file runs, taken from the file (the workflow's run step, the Slurm
// script itself, the Job's container command and args, the unit's ExecStart, the plist's ProgramArguments),
// with this repository as the checkout and scratch folders for the host paths, run for real with --dry-run:
// the configuration the worker prints is what the file meant (platform, server, --once for batch schedulers,
// the cache folder), and the server, a real one on 127.0.0.1, is never contacted. The Slurm script also runs
// for real against the registry server, without sbatch: no job (exit 0) and a refused token (exit 75, the
// job's status through exec).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/helpers.ts";
import { closeAllServers, startServer, type TestServer } from "../support/http-servers.ts";
import { repoRoot } from "../support/paths.ts";
import { startTestRegistry, type TestRegistry } from "../support/registry-server.ts";
import {
  checkoutIn,
  evaluateExpressions,
  execStartArgv,
  expandKubernetesVars,
  files,
  kubernetesWorker,
  optionValue,
  parseEnvFile,
  parseUnit,
  readPlist,
  readYaml,
  workflowWorkerStep,
} from "./deploy-files.ts";

const checkout = repoRoot.replace(/\/$/, "");
const token = "fmr_deploy-dry-run-token";
// The pinned Node's folder first, as `npm ci` leaves it; no Slurm, no systemd, nothing else of the host's.
const basePath = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
/** The architecture part of this machine's platform keys, as the Slurm scripts read it. */
const machine = execFileSync("uname", ["-m"], { encoding: "utf8" }).trim();

interface DryRun {
  dryRun: true;
  platform: string;
  server: string;
  once: boolean;
  wait: number;
  concurrency: number;
  cacheDir: string;
  workDir: string;
  commandOptions: string[];
}

/** stdout as the one JSON object --dry-run prints, with the run's stderr in any failure message. */
function configuration(run: { exitCode?: number | undefined; stdout: string; stderr: string }): DryRun {
  expect(run.exitCode, run.stderr).toBe(0);
  const printed = JSON.parse(run.stdout) as DryRun;
  expect(printed.dryRun).toBe(true);
  return printed;
}

/** Runs argv with exactly `env` (nothing inherited), as a scheduler starts a process. */
function runArgv(argv: string[], env: Record<string, string>, cwd: string) {
  return execa(argv[0]!, argv.slice(1), { cwd, env, extendEnv: false, reject: false, timeout: 30_000 });
}

let server: TestServer;
let home: string;
let detected: string;

beforeAll(async () => {
  // Any request fails the test below: --dry-run must not contact the server.
  server = await startServer({});
  home = await tempDir("deploy-home-");
  const auto = await runArgv(
    [process.execPath, join(checkout, "tooling/registry.mjs"), "worker", "--server", server.base, "--dry-run"],
    { PATH: basePath, HOME: home, REGISTRY_WORKER_TOKEN: token },
    checkout,
  );
  detected = configuration(auto).platform;
});

afterAll(async () => {
  expect(server.stats.log).toEqual([]);
  await closeAllServers();
});

describe("GitHub workflow: the worker step, per matrix entry", () => {
  const workflow = readYaml(files.workflow);
  const { step } = workflowWorkerStep(workflow);
  const include: any[] = workflow.jobs.worker.strategy.matrix.include;

  /** The step's script with --dry-run appended, run by the shell GitHub uses for `run:` on Linux and macOS. */
  async function runStep(matrix: Record<string, unknown>, vars: Record<string, string>) {
    const env: Record<string, string> = { PATH: basePath, HOME: home };
    for (const [name, value] of Object.entries<string>(step.env)) {
      env[name] = evaluateExpressions(value, { matrix, secrets: { REGISTRY_WORKER_TOKEN: token }, vars });
    }
    const script = `${step.run.trimEnd()} --dry-run`;
    // The checkout step leaves the repository as the working directory.
    return execa("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd: checkout, env, extendEnv: false, reject: false, timeout: 30_000 });
  }

  it.each(include.map((entry) => [entry.platform, entry]))("%s: once, for the platform its runners have", async (platform, entry) => {
    const cache = join(await tempDir(), "cache");
    const printed = configuration(await runStep(entry, { REGISTRY_SERVER_URL: server.base, REGISTRY_WORKER_CACHE_DIR: cache }));
    expect(printed).toMatchObject({ platform, server: server.base, once: true, wait: 60, cacheDir: cache });
  });

  it("keeps the cache in the runner's home when no cache variable is set", async () => {
    const printed = configuration(await runStep(include[0], { REGISTRY_SERVER_URL: server.base }));
    expect(printed.cacheDir).toBe(join(home, ".cache/fiab-registry-worker"));
  });
});

describe("Slurm: the script itself, run with bash and no sbatch", () => {
  const slurmEnv = (extra: Record<string, string>) => ({ PATH: basePath, HOME: home, USER: "tester", ...extra });

  it("runs the worker once on the CUDA platform of the node's architecture, the token read from the file by the worker", async () => {
    const tokenFile = join(await tempDir(), "worker-token");
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const run = await execa("bash", [files.slurmGpu], {
      cwd: await tempDir(),
      env: slurmEnv({ REGISTRY_SERVER_URL: server.base, REGISTRY_WORKER_TOKEN_FILE: tokenFile, REGISTRY_WORKER_EXTRA_ARGS: "--dry-run" }),
      extendEnv: false,
      reject: false,
    });
    const printed = configuration(run);
    expect(printed).toMatchObject({
      platform: `linux-${machine}-cuda`,
      server: server.base,
      once: true,
      wait: 60,
      concurrency: 1,
      cacheDir: "/var/tmp/fiab-registry-worker-tester",
    });
    expect(run.stderr).toContain("job none on");
  });

  it("finds the checkout from the submit directory when run from sbatch's spool copy, with the environment's settings", async () => {
    const spool = join(await tempDir(), "slurm-spool", "job04242", "slurm_script");
    await mkdir(dirname(spool), { recursive: true });
    await copyFile(files.slurmGpu, spool);
    const work = join(await tempDir(), "work");
    const run = await execa("bash", [spool], {
      cwd: await tempDir(),
      env: slurmEnv({
        SLURM_JOB_ID: "4242",
        SLURM_SUBMIT_DIR: checkout,
        REGISTRY_SERVER_URL: server.base,
        REGISTRY_WORKER_TOKEN: token,
        REGISTRY_WORKER_PLATFORM: "auto",
        REGISTRY_WORKER_WAIT: "5",
        REGISTRY_WORKER_CACHE_DIR: join(work, "cache"),
        REGISTRY_WORKER_WORK_DIR: work,
        REGISTRY_WORKER_PYTHON: "/usr/bin/python3",
        REGISTRY_WORKER_EXTRA_ARGS: "--offline  --dry-run",
      }),
      extendEnv: false,
      reject: false,
    });
    const printed = configuration(run);
    expect(printed).toMatchObject({ platform: detected, once: true, wait: 5, cacheDir: join(work, "cache"), workDir: work });
    expect(printed.commandOptions).toEqual(expect.arrayContaining(["--python", "/usr/bin/python3", "--offline"]));
    expect(run.stderr).toContain("job 4242 on");
  });

  it("the CPU variant runs the same script for the CPU platform", async () => {
    const printed = configuration(
      await execa("bash", [files.slurmCpu], {
        cwd: await tempDir(),
        env: slurmEnv({ REGISTRY_SERVER_URL: server.base, REGISTRY_WORKER_TOKEN: token, REGISTRY_WORKER_EXTRA_ARGS: "--dry-run" }),
        extendEnv: false,
        reject: false,
      }),
    );
    expect(printed).toMatchObject({ platform: `linux-${machine}-cpu`, once: true, server: server.base });
  });

  it.each([
    ["no server", { REGISTRY_WORKER_TOKEN: token }, /REGISTRY_SERVER_URL is not set/],
    [
      "no token",
      { REGISTRY_SERVER_URL: "http://127.0.0.1:1" },
      /no token: set REGISTRY_WORKER_TOKEN_FILE .*\.config\/fiab-registry\/worker-token cannot be read/,
    ],
    [
      "no checkout",
      { REGISTRY_SERVER_URL: "http://127.0.0.1:1", REGISTRY_WORKER_TOKEN: token, REGISTRY_CHECKOUT: "/nonexistent" },
      /\/nonexistent is not a checkout of the registry/,
    ],
  ])("%s: exits 2 saying what to set, before starting the worker", async (_, env, message) => {
    const run = await execa("bash", [files.slurmGpu], { env: slurmEnv({ ...env, REGISTRY_WORKER_EXTRA_ARGS: "--dry-run" }), extendEnv: false, reject: false });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  describe("against a real registry server", () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startTestRegistry();
    });
    afterAll(async () => {
      await registry?.close();
    });

    it("takes no job when there is none and exits 0; a refused token is the job's exit 75", async () => {
      const env = {
        REGISTRY_SERVER_URL: registry.url,
        REGISTRY_WORKER_WAIT: "1",
        REGISTRY_WORKER_CACHE_DIR: join(await tempDir(), "cache"),
        REGISTRY_WORKER_WORK_DIR: join(await tempDir(), "work"),
      };
      const idle = await execa("bash", [files.slurmGpu], {
        env: slurmEnv({ ...env, REGISTRY_WORKER_TOKEN: registry.token.worker }),
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      });
      expect(idle.exitCode, idle.stderr).toBe(0);
      expect(idle.stdout.trim()).toBe("no job");
      const refused = await execa("bash", [files.slurmGpu], {
        env: slurmEnv({ ...env, REGISTRY_WORKER_TOKEN: `${registry.token.worker}x` }),
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      });
      expect(refused.exitCode, refused.stderr).toBe(75);
    });

    it("waits longer than one long poll (REGISTRY_WORKER_WAIT=600) and stops cleanly on SIGTERM", async () => {
      const env = {
        REGISTRY_SERVER_URL: registry.url,
        REGISTRY_WORKER_TOKEN: registry.token.worker,
        REGISTRY_WORKER_WAIT: "600",
        REGISTRY_WORKER_CACHE_DIR: join(await tempDir(), "cache"),
      };
      const waiting = execa("bash", [files.slurmGpu], { env: slurmEnv(env), extendEnv: false, reject: false, timeout: 60_000 });
      let stderr = "";
      let ended = false;
      waiting.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      void waiting.then(() => (ended = true));
      for (let i = 0; i < 200 && !/worker: linux-/.test(stderr) && !ended; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      // The worker is polling; a refused wait would have ended it with 75 already.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      waiting.kill("SIGTERM");
      const stopped = await waiting;
      expect(stopped.exitCode, stopped.stderr).toBe(0);
      expect(stopped.stdout.trim()).toBe("no job");
    });
  });
});

describe("Kubernetes: the Job's container command and args", () => {
  it("runs the worker once for linux-x86_64-cuda, the token from the Secret, the cache on its volume", async () => {
    const { container } = kubernetesWorker();
    // Each volume mount becomes a scratch folder, as the volume provides one; the image's checkout is this one.
    const mounts = new Map<string, string>();
    for (const mount of container.volumeMounts) mounts.set(mount.mountPath, join(await tempDir(), mount.name));
    const local = (value: string) => {
      let out = value.replaceAll(checkoutIn.kubernetes, checkout);
      for (const [path, dir] of mounts) if (out === path || out.startsWith(`${path}/`)) out = dir + out.slice(path.length);
      return out;
    };
    const env: Record<string, string> = { PATH: basePath };
    for (const entry of container.env) {
      if (entry.valueFrom?.secretKeyRef) env[entry.name] = token;
      else if (entry.name === "REGISTRY_SERVER_URL")
        env[entry.name] = server.base; // the operator's edit
      else env[entry.name] = local(entry.value);
    }
    const argv = [...container.command, ...container.args].map((arg: string) => local(expandKubernetesVars(arg, env)));
    const printed = configuration(await runArgv([...argv, "--dry-run"], env, local(container.workingDir)));
    expect(printed).toMatchObject({ platform: "linux-x86_64-cuda", server: server.base, once: true, wait: 60 });
    expect(printed.cacheDir).toBe(mounts.get("/var/cache/fiab-registry-worker"));
    expect(printed.workDir).toBe(join(mounts.get("/scratch")!, "work"));
  });
});

describe("systemd: the unit's ExecStart with the example EnvironmentFile", () => {
  const service = parseUnit(readFileSync(files.unit, "utf8")).get("Service")!;

  async function runUnit(overrides: Record<string, string>) {
    const env = { ...parseEnvFile(readFileSync(files.unitEnv, "utf8")), REGISTRY_SERVER_URL: server.base, REGISTRY_WORKER_TOKEN: token, ...overrides };
    // CacheDirectory= and PrivateTmp= provide these two folders; scratch ones stand in for them.
    const cache = join(await tempDir(), "cache");
    const work = join(await tempDir(), "work");
    const argv = execStartArgv(service.get("ExecStart")![0]!, env).map((arg) =>
      arg
        .replaceAll(checkoutIn.systemd, checkout)
        .replace(/^\/var\/cache\/fiab-registry-worker$/, cache)
        .replace(/^\/var\/tmp\/fiab-registry-worker$/, work),
    );
    const printed = configuration(
      await runArgv([...argv, "--dry-run"], { PATH: basePath, ...env }, service.get("WorkingDirectory")![0]!.replace(checkoutIn.systemd, checkout)),
    );
    return { printed, cache, work };
  }

  it("runs a long-lived worker for the detected platform, one job at a time", async () => {
    const { printed, cache, work } = await runUnit({});
    expect(printed).toMatchObject({ platform: detected, server: server.base, once: false, concurrency: 1, cacheDir: cache, workDir: work });
  });

  it("takes the platform key from the EnvironmentFile", async () => {
    const { printed } = await runUnit({ REGISTRY_WORKER_PLATFORM: "linux-x86_64-cuda" });
    expect(printed.platform).toBe("linux-x86_64-cuda");
  });

  it("takes more worker options, as words, from REGISTRY_WORKER_EXTRA_ARGS", async () => {
    const { printed } = await runUnit({ REGISTRY_WORKER_EXTRA_ARGS: "--offline  --find-links /srv/wheels" });
    expect(printed.commandOptions.join(" ")).toMatch(/(^| )--find-links \/srv\/wheels( |$)/);
    expect(printed.commandOptions).toContain("--offline");
  });
});

describe("launchd: the plist's ProgramArguments", () => {
  it("runs a long-lived worker for macos-arm64-mps with the token file", async () => {
    const plist = readPlist(files.plist);
    const macHome = await tempDir("deploy-mac-home-");
    const local = (value: string) => value.replace(checkoutIn.launchd, checkout).replace(/^\/Users\/fiab(?=\/)/, macHome);
    const argv: string[] = plist.ProgramArguments.map(local);
    argv[argv.indexOf("--server") + 1] = server.base; // the operator's edit
    const tokenFile = optionValue(argv, "--token-file")!;
    await mkdir(dirname(tokenFile), { recursive: true });
    await writeFile(tokenFile, token, { mode: 0o600 });
    // launchd starts agents with this PATH and no other variables of the shell.
    const printed = configuration(
      await runArgv([...argv, "--dry-run"], { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", HOME: macHome }, local(plist.WorkingDirectory)),
    );
    expect(printed).toMatchObject({
      platform: "macos-arm64-mps",
      server: server.base,
      once: false,
      concurrency: 1,
      cacheDir: local("/Users/fiab/Library/Caches/fiab-registry-worker"),
    });
    expect(printed.commandOptions).toContain("--no-sandbox");
  });
});
