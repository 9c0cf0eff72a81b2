// The deployment files in deploy/ as each scheduler's own tooling reads them: the Slurm scripts through bash -n
// and ShellCheck, the workflow through GitHub's schema, the Kubernetes manifest through the API's schemas, the
// unit through systemd-analyze, the plist through plistlib; then the fields each deployment depends on (a GPU
// request, a node selector, the token from a secret, --once for batch schedulers, a stop timeout long enough to
// hand a job back, hardening that leaves bubblewrap working). Each checker is also shown a broken copy, so
// that a checker which accepts anything fails here.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import actionValidator from "@action-validator/core";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/helpers.ts";
import { repoRoot } from "../support/paths.ts";
import {
  checkoutIn,
  evaluateExpressions,
  files,
  kubernetesWorker,
  onPath,
  optionValue,
  parseEnvFile,
  parseUnit,
  readPlist,
  readYaml,
  workflowWorkerStep,
} from "./deploy-files.ts";

const shellcheckMissing = onPath("shellcheck") ? undefined : "shellcheck is not on PATH (apt-get install shellcheck)";
if (shellcheckMissing && process.env.CI) throw new Error(`CI must lint the Slurm scripts: ${shellcheckMissing}`);
if (shellcheckMissing) console.warn(`skipping the ShellCheck lint: ${shellcheckMissing}`);
// systemd-analyze ships with systemd, which containers and macOS lack; the unit's own keys are checked anyway.
const systemdAnalyzeMissing = onPath("systemd-analyze") ? undefined : "systemd-analyze is not on PATH (no systemd on this machine)";
if (systemdAnalyzeMissing) console.warn(`skipping systemd-analyze verify: ${systemdAnalyzeMissing}`);

// bubblewrap and setpriv (util-linux), as .ci/run installs them; the sandbox itself needs user namespaces.
const bubblewrapMissing = onPath("bwrap") && onPath("setpriv") ? undefined : "bwrap or setpriv is not on PATH (apt-get install bubblewrap util-linux)";
if (bubblewrapMissing && process.env.CI) throw new Error(`CI must run the sandbox check: ${bubblewrapMissing}`);
if (bubblewrapMissing) console.warn(`skipping the NoNewPrivileges sandbox check: ${bubblewrapMissing}`);

const slurmScripts = [files.slurmGpu, files.slurmCpu];

/** The #SBATCH directives of a script, as option -> value. */
function sbatchDirectives(path: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^#SBATCH\s+(--[a-z-]+)(?:=(\S+))?\s*$/.exec(line);
    if (match) directives.set(match[1]!, match[2] ?? "");
  }
  return directives;
}

describe("Slurm scripts", () => {
  it.each(slurmScripts)("%s parses with bash -n", (path) => {
    const run = spawnSync("bash", ["-n", path], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
  });

  it.skipIf(shellcheckMissing)("pass ShellCheck, which finds a real defect in a broken copy", async () => {
    const run = spawnSync("shellcheck", ["--shell=bash", "--severity=style", ...slurmScripts], { encoding: "utf8" });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const broken = join(await tempDir(), "broken.sbatch");
    // Unquoted: the token file path would split at a space.
    writeFileSync(broken, readFileSync(files.slurmGpu, "utf8").replace('args+=(--token-file "$token_file")', "args+=(--token-file $token_file)"));
    const failed = spawnSync("shellcheck", ["--shell=bash", broken], { encoding: "utf8" });
    expect(failed.status).not.toBe(0);
    expect(failed.stdout).toMatch(/SC2206/);
  });

  it("the GPU script asks for one GPU with overridable defaults and SIGTERM before its time limit", () => {
    const gpu = sbatchDirectives(files.slurmGpu);
    expect(gpu.get("--gres")).toBe("gpu:1");
    for (const option of ["--partition", "--time", "--mem", "--job-name", "--output"]) expect(gpu.get(option), option).toBeTruthy();
    expect(gpu.get("--signal")).toMatch(/^B:TERM@\d+$/);
    const cpu = sbatchDirectives(files.slurmCpu);
    expect(cpu.has("--gres")).toBe(false);
    expect(cpu.get("--partition")).not.toBe(gpu.get("--partition"));
    expect(cpu.get("--signal")).toBe(gpu.get("--signal"));
  });

  it("exec the worker with --once, so that Slurm's SIGTERM reaches it and its exit status is the job's", () => {
    const gpu = readFileSync(files.slurmGpu, "utf8");
    expect(gpu).toMatch(/^args=\(worker .*--once\b/m);
    expect(gpu).toMatch(/^exec "\$node" tooling\/registry\.mjs "\$\{args\[@\]\}"/m);
    expect(readFileSync(files.slurmCpu, "utf8")).toMatch(/^exec bash "\$checkout\/deploy\/slurm\/registry-worker\.sbatch"$/m);
  });
});

describe("GitHub workflow", () => {
  const workflow = readYaml(files.workflow);
  const { job, step } = workflowWorkerStep(workflow);

  it("passes GitHub's workflow schema, which rejects a broken copy", () => {
    const text = readFileSync(files.workflow, "utf8");
    expect(actionValidator.validateWorkflow(text).errors).toEqual([]);
    const broken = text.replace("    timeout-minutes: 240\n", "    timeout-minutes: 240\n    time-limit: 240\n");
    expect(broken).not.toBe(text);
    expect(actionValidator.validateWorkflow(broken).errors).not.toEqual([]);
  });

  it("runs on a schedule and by hand, with read-only permissions", () => {
    expect(workflow.on.schedule?.[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("selects self-hosted runners by labels per platform key, one concurrency group each, with a timeout", () => {
    expect(job["runs-on"]).toBe("${{ matrix.runner }}");
    const include: any[] = job.strategy.matrix.include;
    expect(include.map((entry) => entry.platform)).toEqual(expect.arrayContaining(["linux-x86_64-cuda", "linux-x86_64-cpu", "macos-arm64-mps"]));
    for (const entry of include) {
      expect(entry.platform, JSON.stringify(entry)).toMatch(/^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+$/);
      expect(entry.runner[0]).toBe("self-hosted");
      const [os, arch] = entry.platform.split("-");
      expect(entry.runner).toContain(os === "macos" ? "macos" : "linux");
      expect(entry.runner).toContain({ x86_64: "x64", aarch64: "arm64", arm64: "arm64" }[arch as string]);
    }
    expect(new Set(include.map((entry) => entry.runner.join())).size).toBe(include.length);
    expect(job.strategy["fail-fast"]).toBe(false);
    expect(job.concurrency.group).toContain("${{ matrix.platform }}");
    expect(job.concurrency["cancel-in-progress"]).toBe(false);
    expect(job["timeout-minutes"]).toBeGreaterThanOrEqual(60);
  });

  it("runs the worker once, with the token from a secret in the environment and no expression inside the script", () => {
    expect(step.run).toMatch(/ --once\b/);
    expect(step.run).not.toContain("${{");
    expect(step.run).not.toMatch(/--token-file|REGISTRY_WORKER_TOKEN/);
    expect(step.env.REGISTRY_WORKER_TOKEN).toBe("${{ secrets.REGISTRY_WORKER_TOKEN }}");
    expect(evaluateExpressions(step.env.REGISTRY_WORKER_PLATFORM, { matrix: { platform: "linux-x86_64-cuda" } })).toBe("linux-x86_64-cuda");
    expect(() => evaluateExpressions("${{ github.event.inputs.x }}", {})).toThrow(/cannot evaluate/);
  });

  it("pins every action to a commit", () => {
    for (const s of job.steps.filter((s: any) => s.uses)) expect(s.uses, s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });
});

describe("Kubernetes manifest", () => {
  const { cronJob, pod, container } = kubernetesWorker();

  it("passes the Kubernetes API schema (kubernetes-models), which rejects a broken copy", () => {
    expect(() => new CronJob(cronJob).validate()).not.toThrow();
    const broken = structuredClone(cronJob);
    broken.spec.jobTemplate.spec.backoffLimit = "twice";
    expect(() => new CronJob(broken).validate()).toThrow(/backoffLimit/);
    const noImage = structuredClone(cronJob);
    delete noImage.spec.jobTemplate.spec.template.spec.containers[0].name;
    expect(() => new CronJob(noImage).validate()).toThrow(/name/);
  });

  it("asks for one GPU on a GPU node, with a deadline and a bounded number of retries", () => {
    expect(container.resources.limits["nvidia.com/gpu"]).toBe(1);
    expect(container.resources.requests["nvidia.com/gpu"]).toBe(1);
    expect(pod.nodeSelector["nvidia.com/gpu.present"]).toBe("true");
    // The nodes' architecture is the platform key's: an arm64 node must not take x86_64 jobs.
    const arch = optionValue(container.args, "--platform")!.split("-")[1];
    expect(pod.nodeSelector["kubernetes.io/arch"]).toBe({ x86_64: "amd64", aarch64: "arm64" }[arch!]);
    expect(pod.tolerations.some((t: any) => t.key === "nvidia.com/gpu")).toBe(true);
    const job = cronJob.spec.jobTemplate.spec;
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.backoffLimit).toBeGreaterThanOrEqual(0);
    expect(job.backoffLimit).toBeLessThanOrEqual(6);
    expect(pod.restartPolicy).toBe("Never");
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(600);
  });

  it("runs the worker once with the token from a Secret and the cache on a volume", () => {
    const argv = [...container.command, ...container.args];
    expect(argv.slice(0, 3)).toEqual([`${checkoutIn.kubernetes}/node_modules/.bin/node`, `${checkoutIn.kubernetes}/tooling/registry.mjs`, "worker"]);
    expect(argv).toContain("--once");
    const token = container.env.find((e: any) => e.name === "REGISTRY_WORKER_TOKEN");
    expect(token.valueFrom.secretKeyRef).toEqual({ name: expect.any(String), key: expect.any(String) });
    expect(argv.join(" ")).not.toMatch(/token/i);
    const cacheDir = optionValue(argv, "--cache-dir");
    const mount = container.volumeMounts.find((m: any) => m.mountPath === cacheDir);
    expect(mount, `a volume mounted at --cache-dir ${cacheDir}`).toBeDefined();
    expect(pod.volumes.find((v: any) => v.name === mount.name).hostPath).toBeDefined();
  });

  it("runs as a non-root user with no capabilities, and lets bubblewrap make its namespaces and /proc", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.privileged ?? false).toBe(false);
    expect(container.securityContext.capabilities.drop).toEqual(["ALL"]);
    expect(container.securityContext.capabilities.add ?? []).toEqual([]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    // A fresh /proc in bubblewrap's PID namespace needs an unmasked /proc, which Kubernetes allows only
    // for a pod in its own user namespace; the default seccomp profile refuses clone() with namespaces.
    expect(pod.hostUsers).toBe(false);
    expect(container.securityContext.procMount).toBe("Unmasked");
    expect(pod.securityContext.seccompProfile.type).not.toBe("RuntimeDefault");
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("runs the image the Containerfile builds: the same checkout path, as the same user", () => {
    const containerfile = readFileSync(files.containerfile, "utf8");
    expect(containerfile).toContain(`WORKDIR ${checkoutIn.kubernetes}\n`);
    expect(containerfile).toMatch(/apt-get install[^\n]*\\\n[^\n]*\bbubblewrap\b/);
    expect(containerfile).toContain(`USER ${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}\n`);
    expect(JSON.parse(/^ENTRYPOINT (.*)$/m.exec(containerfile)![1]!)).toEqual(container.command);
  });
});

describe("systemd unit", () => {
  const unit = parseUnit(readFileSync(files.unit, "utf8"));
  const service = unit.get("Service")!;
  const one = (key: string) => {
    const values = service.get(key);
    expect(values, `[Service] ${key}`).toHaveLength(1);
    return values![0]!;
  };

  /** A copy with this repository as the checkout, since verify checks that ExecStart's program exists. */
  async function unitHere(text = readFileSync(files.unit, "utf8")): Promise<string> {
    const path = join(await tempDir(), "fiab-registry-worker.service");
    writeFileSync(path, text.replaceAll(checkoutIn.systemd, repoRoot.replace(/\/$/, "")));
    return path;
  }

  /** systemd-analyze verify's complaints: it warns about unknown keys but still exits 0, so any output counts. */
  function verify(path: string): { status: number | null; output: string } {
    const run = spawnSync("systemd-analyze", ["verify", "--man=no", path], { encoding: "utf8" });
    return { status: run.status, output: (run.stdout + run.stderr).trim() };
  }

  it.skipIf(systemdAnalyzeMissing)("passes systemd-analyze verify, which complains about a broken copy", async () => {
    expect(verify(await unitHere())).toEqual({ status: 0, output: "" });
    const broken = verify(await unitHere(readFileSync(files.unit, "utf8").replace("TimeoutStopSec=", "TimeoutStopSecs=")));
    expect(broken.output).toMatch(/Unknown key 'TimeoutStopSecs'/);
  });

  it("restarts on failure and gives the worker time to hand back its job after SIGTERM", () => {
    expect(one("Restart")).toBe("on-failure");
    expect(one("KillSignal")).toBe("SIGTERM");
    expect(one("KillMode")).toBe("mixed");
    const stop = /^(\d+)min$/.exec(one("TimeoutStopSec"));
    expect(Number(stop?.[1])).toBeGreaterThanOrEqual(10);
    expect(one("RestartPreventExitStatus")).toBe("2");
  });

  it("takes the token from an EnvironmentFile and runs the long-lived worker (no --once)", () => {
    expect(one("EnvironmentFile")).toBe("/etc/fiab-registry-worker/worker.env");
    const execStart = one("ExecStart");
    expect(execStart.startsWith(`${checkoutIn.systemd}/node_modules/.bin/node ${checkoutIn.systemd}/tooling/registry.mjs worker `)).toBe(true);
    expect(execStart).not.toMatch(/--once|token/i);
    const example = parseEnvFile(readFileSync(files.unitEnv, "utf8"));
    expect(Object.keys(example).sort()).toEqual(["REGISTRY_SERVER_URL", "REGISTRY_WORKER_EXTRA_ARGS", "REGISTRY_WORKER_PLATFORM", "REGISTRY_WORKER_TOKEN"]);
    expect(one("CacheDirectory")).toBe("fiab-registry-worker");
    expect(optionValue(execStart.split(" "), "--cache-dir")).toBe("/var/cache/fiab-registry-worker");
  });

  it("hardens the service without the options that stop bubblewrap or hide the GPU", () => {
    for (const [key, value] of Object.entries({
      NoNewPrivileges: "yes",
      ProtectSystem: "strict",
      ProtectHome: "yes",
      DynamicUser: "yes",
      CapabilityBoundingSet: "",
    })) {
      expect(one(key), key).toBe(value);
    }
    for (const key of [
      "RestrictNamespaces",
      "PrivateUsers",
      "PrivateDevices",
      "DevicePolicy",
      "ProtectKernelTunables",
      "ProtectKernelLogs",
      "ProtectProc",
      "ProcSubset",
      "ProtectClock",
      "SystemCallFilter",
      "MemoryDenyWriteExecute",
    ]) {
      expect(service.has(key), `${key} would stop bubblewrap or the GPU`).toBe(false);
    }
    expect(one("RestrictAddressFamilies").split(" ")).toContain("AF_NETLINK");
  });

  it.skipIf(bubblewrapMissing)("NoNewPrivileges=yes leaves bubblewrap's sandbox working, as the worker makes it", () => {
    const sandbox = ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"];
    const run = spawnSync("setpriv", ["--no-new-privs", ...sandbox], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
  });
});

describe("the Linux deployments keep the sandbox", () => {
  it.each([files.workflow, files.slurmGpu, files.slurmCpu, files.kubernetes, files.unit, files.unitEnv])("%s never passes --no-sandbox", (path) => {
    expect(readFileSync(path, "utf8")).not.toContain("--no-sandbox");
  });
});

describe("launchd plist", () => {
  const plist = readPlist(files.plist);

  it("parses with plistlib, which rejects a broken copy", async () => {
    const broken = join(await tempDir(), "broken.plist");
    writeFileSync(broken, readFileSync(files.plist, "utf8").replace("<key>RunAtLoad</key>", "<key>RunAtLoad</key"));
    expect(() => execFileSync("python3", ["-c", "import plistlib, sys; plistlib.load(open(sys.argv[1], 'rb'))", broken], { stdio: "pipe" })).toThrow();
  });

  it("runs the long-lived worker for macos-arm64-mps with the token from a file", () => {
    const argv: string[] = plist.ProgramArguments;
    expect(argv.slice(0, 3)).toEqual([`${checkoutIn.launchd}/node_modules/.bin/node`, `${checkoutIn.launchd}/tooling/registry.mjs`, "worker"]);
    expect(optionValue(argv, "--platform")).toBe("macos-arm64-mps");
    expect(optionValue(argv, "--token-file")).toMatch(/^\/Users\/fiab\//);
    expect(argv).not.toContain("--once");
    // bubblewrap is Linux-only: without this the worker would fail its first job on macOS.
    expect(argv.at(-1)).toBe("--no-sandbox");
    expect(plist.Label).toBe("org.ecmwf.fiab-registry-worker");
    expect(plist.WorkingDirectory).toBe(checkoutIn.launchd);
    expect(plist).not.toHaveProperty("EnvironmentVariables");
  });

  it("restarts after a failure, not after a clean stop, and waits for the job to be handed back", () => {
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.ThrottleInterval).toBeGreaterThanOrEqual(30);
    expect(plist.ExitTimeOut).toBeGreaterThanOrEqual(600);
    expect(plist.ProcessType).toBe("Standard");
  });
});
