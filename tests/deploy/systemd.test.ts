// deploy/systemd/fiab-registry-worker.service, unchanged, run by a real systemd: a container booted with
// systemd-nspawn from this machine's own /usr (--volatile=yes: a fresh /etc and /var in memory), with the
// checkout at /opt/fiab-model-registry, the unit installed and enabled as deploy/README.md does, and
// worker.env made from worker.env.example. It shares the host's network, so its worker reaches a registry
// server on 127.0.0.1: it takes the verification of a real torch checkpoint (as its DynamicUser, under the
// unit's hardening, with bubblewrap), the evidence arrives, and stopping the container (systemctl stop of the
// unit: SIGTERM to the worker alone) in the middle of the next job hands that job back.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, copyFile, cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { closeAllServers, file, startServer } from "../support/http-servers.ts";
import { buildTinyModels, makeCheckpoint, torchUnavailable } from "../support/python-fixtures.ts";
import { register, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";
import { checkoutIn, files, parseEnvFile } from "./deploy-files.ts";

function systemdUnavailable(): string | undefined {
  if (!findOnPath("systemd-nspawn")) return "systemd-nspawn is not on PATH (apt-get install systemd systemd-container)";
  if (!existsSync("/lib/systemd/systemd")) return "/lib/systemd/systemd is missing (apt-get install systemd)";
  if (process.getuid?.() !== 0) return "systemd-nspawn boots a container only as root";
  return undefined;
}

const unavailable =
  systemdUnavailable() ?? (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the systemd unit test: ${unavailable}`);
if (unavailable) console.warn(`skipping the systemd unit test: ${unavailable}`);

const cpu = `linux-${execFileSync("uname", ["-m"], { encoding: "utf8" }).trim()}-cpu`;
const checkpointId = "tiny-systemd";
const unitName = "fiab-registry-worker.service";

interface JobView {
  job: string;
  kind: string;
  state: string;
  attempts: number;
  leaseOwner?: string;
  reason?: string;
}

describe.skipIf(unavailable)("the systemd unit under a real systemd (systemd-nspawn)", () => {
  const machine = `fiab-test-${process.pid}`;
  let registry: TestRegistry;
  let container: ResultPromise | undefined;
  let exited = false;
  const console_: string[] = [];

  const jobOfKind = async (kind: string) =>
    ((await (await registry.call(`/api/v1/jobs?checkpoint=${checkpointId}`, { as: "admin" })).json()) as { jobs: JobView[] }).jobs.find(
      (j) => j.kind === kind,
    )!;

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(
          `${what}: not within ${timeoutMs / 1000} s\ncontainer:\n${console_.join("").slice(-6000)}\nserver:\n${registry.logs.slice(-20).join("\n")}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    const dir = await tempDir("systemd-unit-");
    const models = await buildTinyModels(dir);
    const checkpoint = await makeCheckpoint(models, join(dir, `${checkpointId}.ckpt`), "tiny_models.TinyNet");
    const checkpoints = await startServer({ [`/${checkpointId}.ckpt`]: file({ path: checkpoint }) });
    registry = await startTestRegistry({ platforms: [{ key: cpu, dtype: "float32" }], referencePlatform: undefined, leaseSeconds: 20 });
    const registered = await register(registry, { url: checkpoints.url(`/${checkpointId}.ckpt`) });
    expect(registered.status, await registered.clone().text()).toBe(202);
    expect((await settled(registry, registered.headers.get("location")!)).state).toBe("registered");

    // The wheelhouse where the service's DynamicUser can read it (the unit's PrivateTmp hides the host's /tmp).
    const wheels = join(dir, "wheels");
    await cp(models.wheelhouse, wheels, { recursive: true });
    await chmod(wheels, 0o755);

    // The container's /etc: this machine's (Debian's alternatives such as libblas.so.3 and nsswitch.conf live
    // there), without its secrets, its enabled services and its machine id, then installed as the README says.
    const etc = join(dir, "etc");
    await execa("cp", ["-a", "/etc", etc]);
    for (const secret of ["shadow", "shadow-", "gshadow", "gshadow-", "ssh", "ssl/private", "munge", "machine-id"])
      await rm(join(etc, secret), { recursive: true, force: true });
    await rm(join(etc, "systemd", "system"), { recursive: true, force: true });
    await mkdir(join(etc, "systemd", "system", "multi-user.target.wants"), { recursive: true });
    // NSS without nss-systemd, as on a Debian without libnss-systemd: the service's DynamicUser has no name,
    // and systemd then sets no HOME (the unit sets it).
    const nsswitch = join(etc, "nsswitch.conf");
    await writeFile(nsswitch, (await readFile(nsswitch, "utf8")).replace(/^((?:passwd|group|shadow|gshadow):.*?)\s+systemd\b/gm, "$1"));
    // A host name of its own, which the worker's lease owner names.
    await writeFile(join(etc, "hostname"), `${machine}\n`);
    // Without a machine id systemd takes this for a first boot, and its firstboot wizard waits for a key press.
    await writeFile(join(etc, "machine-id"), `${randomBytes(16).toString("hex")}\n`);
    // sudo cp deploy/systemd/fiab-registry-worker.service /etc/systemd/system/ && systemctl enable ...
    await copyFile(files.unit, join(etc, "systemd", "system", unitName));
    await symlink(`/etc/systemd/system/${unitName}`, join(etc, "systemd", "system", "multi-user.target.wants", unitName));
    // sudo install -D -m 600 deploy/systemd/worker.env.example /etc/fiab-registry-worker/worker.env, then edited.
    const settings: Record<string, string> = {
      ...parseEnvFile(readFileSync(files.unitEnv, "utf8")),
      REGISTRY_SERVER_URL: registry.url,
      REGISTRY_WORKER_TOKEN: registry.token.worker,
      REGISTRY_WORKER_PLATFORM: cpu,
      REGISTRY_WORKER_EXTRA_ARGS: "--offline --find-links /srv/wheels --system-site-packages --allow-package tiny_models --allow-private-network",
    };
    await mkdir(join(etc, "fiab-registry-worker"));
    await writeFile(
      join(etc, "fiab-registry-worker", "worker.env"),
      Object.entries(settings)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(""),
      { mode: 0o600 },
    );
    // journald forwards the services' output to the console, which is nspawn's output here.
    await mkdir(join(etc, "systemd", "journald.conf.d"), { recursive: true });
    await writeFile(join(etc, "systemd", "journald.conf.d", "console.conf"), "[Journal]\nForwardToConsole=yes\nMaxLevelConsole=info\n");

    container = execa(
      "setpriv",
      [
        // If this process dies, nspawn gets SIGTERM, which shuts the container down in order.
        "--pdeathsig",
        "SIGTERM",
        "systemd-nspawn",
        "--register=no",
        "--keep-unit",
        "--quiet",
        "--directory=/",
        "--volatile=yes",
        `--machine=${machine}`,
        `--bind=${etc}:/etc`,
        `--bind-ro=${repoRoot.replace(/\/$/, "")}:${checkoutIn.systemd}`,
        `--bind-ro=${wheels}:/srv/wheels`,
        "--boot",
      ],
      { reject: false, stdin: "ignore", all: true, buffer: false, env: { SYSTEMD_COLORS: "0" } },
    ) as unknown as ResultPromise;
    void container.then(() => (exited = true));
    container.all!.on("data", (chunk: Buffer) => console_.push(chunk.toString()));
  }, 240_000);

  afterAll(async () => {
    if (container && !exited) {
      // An orderly shutdown first; SIGTERM again stops the container at once. SIGKILL would leave it running.
      container.kill("SIGTERM");
      const timer = setTimeout(() => container!.kill("SIGTERM"), 60_000);
      await container;
      clearTimeout(timer);
    }
    await registry?.close();
    await closeAllServers();
  });

  it("the enabled unit's worker takes the verification, and the entry gets its evidence", async () => {
    const verify = await until(
      "verify-unpickling done",
      async () => {
        // A worker that exits at start would only be restarted a minute later, again and again.
        if (console_.join("").includes(`${unitName}: Main process exited`)) throw new Error(`the worker exited:\n${console_.join("").slice(-6000)}`);
        const job = await jobOfKind("verify-unpickling");
        if (job.state === "failed") throw new Error(`verify-unpickling failed: ${job.reason}\n${console_.join("").slice(-6000)}`);
        return job.state === "done" ? job : undefined;
      },
      240_000,
    );
    // The worker is the container's: its lease owner is the container's host name and the worker's pid there.
    expect(registry.logs.find((l) => l.startsWith(`job ${verify.job} `) && l.includes(" leased to "))).toContain(` leased to ${machine}:`);
    const entry = await (await registry.call(`/api/v1/checkpoints/${checkpointId}`)).json();
    expect(entry.compatibility[cpu], JSON.stringify(entry.compatibility[cpu])).toMatchObject({ evidence: [{ check: "unpickle", result: "pass" }] });
  }, 300_000);

  it("stopping the service in the middle of a job hands the job back (SIGTERM to the worker alone)", async () => {
    await until("the container worker's log-run to start", async () => (runningLogRun() ? true : undefined), 180_000);
    expect(await jobOfKind("log-run")).toMatchObject({ state: "leased" });
    // nspawn turns SIGTERM into an orderly shutdown of the container: systemd stops the unit as `systemctl stop` does.
    container!.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const shutdown = await Promise.race([
      container!,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 120_000);
      }),
    ]);
    clearTimeout(timer);
    expect(shutdown, console_.join("").slice(-6000)).toBeDefined();
    expect(shutdown!.exitCode, console_.join("").slice(-6000)).toBe(0);
    const output = console_.join("");
    expect(output).toContain("worker: SIGTERM: handing running jobs back and stopping");
    expect(output).toMatch(/log-run released/);
    const run = await jobOfKind("log-run");
    expect(run).toMatchObject({ state: "queued", attempts: 1, reason: expect.stringMatching(new RegExp(`^handed back by ${machine}:`)) });
    const results = registry.db
      .prepare("SELECT j.kind, r.attempt, r.status FROM job_results r JOIN jobs j ON j.id = r.job_id ORDER BY j.kind, r.attempt")
      .all();
    expect(results.map((r) => `${r.kind} ${r.attempt} ${r.status}`)).toEqual(["log-run 1 released", "verify-unpickling 1 done"]);
  }, 300_000);
});

/** Whether the unit's worker runs a log-run (a checkpoint from the unit's cache folder), from /proc. */
function runningLogRun(): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv[2] === "log-run" && argv[3]?.startsWith("/var/cache/fiab-registry-worker/")) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}
