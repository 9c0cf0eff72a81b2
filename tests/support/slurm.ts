// A real single-node Slurm cluster on 127.0.0.1 for tests: its own munged (key and socket in a temp folder),
// slurmctld and slurmd from Debian's packages, with a slurm.conf generated for this machine (one node with
// the CPUs and memory `slurmd -C` finds, a `cpu` partition, free ports, all state in the temp folder). The
// daemons run in the foreground as children of the test process and die with it (setpriv --pdeathsig); stop()
// cancels what is still queued or running and stops them. No cgroups: slurmd as root in a container cannot
// use them, so processes are tracked by parentage (proctrack/linuxproc) and nothing is confined. No
// slurmdbd either: finished jobs are kept in the job-completion log, which `sacct -c` reads.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { tempDir } from "./helpers.ts";

const commands = ["munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sacct", "sinfo", "setpriv"] as const;

/** Why a Slurm cluster cannot start here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  const missing = commands.filter((name) => !findOnPath(name));
  if (missing.length > 0) return `${missing.join(", ")} not found (apt-get install slurmctld slurmd slurm-client munge)`;
  // slurmd starts each job as its owner, and its job-step daemon needs root to do so.
  if (process.getuid?.() !== 0) return "slurmd must run as root to start jobs (these tests run it in a container or VM as root)";
  return undefined;
}

/** A job as `sacct -c` (the job-completion log) reports it once it has ended. */
export interface FinishedJob {
  id: string;
  state: string;
  /** `<exit status>:<signal>`, as sacct prints it. */
  exitCode: string;
}

export interface SlurmCluster {
  dir: string;
  /** The node as slurmd found it (name, CPUs, memory in MiB). */
  node: { name: string; cpus: number; memoryMiB: number };
  partition: "cpu";
  /** What Slurm's client commands need in their environment (SLURM_CONF). */
  env: Record<string, string>;
  /** Runs a Slurm client command (sbatch, squeue, scancel...) against this cluster. */
  run(
    command: string,
    args: string[],
    options?: { cwd?: string; env?: Record<string, string> },
  ): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
  /** `sbatch --parsable`: the job id. */
  sbatch(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<string>;
  /** The job's state while slurmctld knows it (`scontrol show job`), e.g. RUNNING; undefined once forgotten. */
  state(id: string): Promise<string | undefined>;
  /** Waits (bounded) until the job has ended and returns what sacct -c says of it. */
  finished(id: string, timeoutMs: number): Promise<FinishedJob>;
  /** The daemons' logs, for a failing test's message. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, logs: () => Promise<string>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s\n${await logs()}`);
    await sleep(500);
  }
}

/** `slurmd -C`: this machine's node line (NodeName=<host> CPUs=... RealMemory=...), as slurmd will report it. */
async function nodeLine(): Promise<{ line: string; name: string; cpus: number; memoryMiB: number }> {
  const line = (await execa("slurmd", ["-C"])).stdout.split("\n").find((l) => l.startsWith("NodeName="));
  const field = (key: string) => new RegExp(`(?:^| )${key}=(\\S+)`).exec(line ?? "")?.[1];
  const name = field("NodeName");
  const cpus = Number(field("CPUs"));
  const memoryMiB = Number(field("RealMemory"));
  if (!line || !name || !(cpus > 0) || !(memoryMiB > 0)) throw new Error(`slurmd -C printed no usable node line: ${line}`);
  return { line, name, cpus, memoryMiB };
}

export async function startSlurm(): Promise<SlurmCluster> {
  const dir = await tempDir("slurm-");
  const at = (...path: string[]) => join(dir, ...path);
  await Promise.all(["munge-key", "munge", "state", "spool", "log"].map((sub) => mkdir(at(sub), { mode: sub === "munge-key" ? 0o700 : 0o755 })));
  const daemons: Array<{ name: string; child: ResultPromise; output: string[] }> = [];
  const logs = async () => {
    const parts = daemons.map((d) => `--- ${d.name}\n${d.output.join("").slice(-4000)}`);
    const jobcomp = await readFile(at("log", "jobcomp.txt"), "utf8").catch(() => "");
    return `${parts.join("\n")}\n--- job completion log\n${jobcomp.slice(-2000)}`;
  };
  const env = { SLURM_CONF: at("slurm.conf") };
  const start = (name: string, argv: string[]) => {
    const output: string[] = [];
    const child = execa("setpriv", ["--pdeathsig", "SIGKILL", ...argv], { env, reject: false, stdin: "ignore", buffer: false, all: true });
    child.all!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    daemons.push({ name, child: child as unknown as ResultPromise, output });
  };

  const stop = async () => {
    if (daemons.some((d) => d.name === "slurmctld")) {
      // Jobs first: slurmd's job-step daemons would outlive slurmd. scancel sends them SIGTERM, then SIGKILL after KillWait.
      const jobs = await execa("squeue", ["-h", "-o", "%i"], { env, reject: false });
      const ids = jobs.stdout.split("\n").filter(Boolean);
      if (ids.length > 0) {
        await execa("scancel", ids, { env, reject: false });
        await until(
          "the jobs to end",
          async () => ((await execa("squeue", ["-h", "-o", "%i"], { env, reject: false })).stdout.trim() === "" ? true : undefined),
          90_000,
          logs,
        ).catch(() => undefined);
      }
      // Each job-step daemon removes its socket from the spool folder as it exits.
      await until(
        "the job-step daemons to exit",
        async () => ((await readdir(at("spool"))).some((name) => /_\d+\.\d+$/.test(name)) ? undefined : true),
        30_000,
        logs,
      ).catch(() => undefined);
    }
    for (const { child } of daemons.reverse()) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child;
      clearTimeout(timer);
    }
    daemons.length = 0;
  };

  try {
    const socket = at("munge", "munge.socket");
    const key = at("munge-key", "munge.key");
    await writeFile(key, randomBytes(1024), { mode: 0o400 });
    start("munged", [
      "munged",
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${at("munge", "munged.pid")}`,
      `--seed-file=${at("munge-key", "munged.seed")}`,
      `--log-file=${at("log", "munged.log")}`,
    ]);
    await until(
      "munged to answer",
      async () => ((await execa("munge", ["-S", socket, "-n"], { reject: false })).exitCode === 0 ? true : undefined),
      15_000,
      logs,
    );

    const node = await nodeLine();
    const [controllerPort, nodePort] = [await freePort(), await freePort()];
    const conf = [
      `ClusterName=fiab-test`,
      // slurmctld takes the role whose host name is its own; it and slurmd talk over loopback only.
      `SlurmctldHost=${node.name}(127.0.0.1)`,
      `SlurmctldPort=${controllerPort}`,
      `SlurmdPort=${nodePort}`,
      `SlurmUser=root`,
      `SlurmdUser=root`,
      `AuthType=auth/munge`,
      `CredType=cred/munge`,
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${at("state")}`,
      `SlurmdSpoolDir=${at("spool")}`,
      `SlurmctldPidFile=${at("slurmctld.pid")}`,
      `SlurmdPidFile=${at("slurmd.pid")}`,
      `SlurmctldLogFile=${at("log", "slurmctld.log")}`,
      `SlurmdLogFile=${at("log", "slurmd.log")}`,
      `ProctrackType=proctrack/linuxproc`,
      `TaskPlugin=task/none`,
      `JobAcctGatherType=jobacct_gather/none`,
      `AccountingStorageType=accounting_storage/none`,
      `JobCompType=jobcomp/filetxt`,
      `JobCompLoc=${at("log", "jobcomp.txt")}`,
      `SwitchType=switch/none`,
      `MpiDefault=none`,
      `MailProg=/bin/true`,
      `SelectType=select/cons_tres`,
      `SelectTypeParameters=CR_CPU_Memory`,
      `ReturnToService=2`,
      `${node.line} NodeAddr=127.0.0.1 State=UNKNOWN`,
      `PartitionName=cpu Nodes=${node.name} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n");
    await writeFile(env.SLURM_CONF, conf);
    start("slurmctld", ["slurmctld", "-D", "-f", env.SLURM_CONF]);
    start("slurmd", ["slurmd", "-D", "-f", env.SLURM_CONF]);
    await until(
      "the node to be idle",
      async () => ((await execa("sinfo", ["-h", "-N", "-o", "%T"], { env, reject: false })).stdout.trim() === "idle" ? true : undefined),
      60_000,
      logs,
    );

    const run: SlurmCluster["run"] = async (command, args, options = {}) => {
      const result = await execa(command, args, {
        ...(options.cwd ? { cwd: options.cwd } : {}),
        env: { ...options.env, ...env },
        extendEnv: false,
        reject: false,
        timeout: 30_000,
      });
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    };
    const state = async (id: string) => {
      const shown = await execa("scontrol", ["show", "job", "-o", id], { env, reject: false });
      return /(?:^| )JobState=(\S+)/.exec(shown.stdout)?.[1];
    };
    const accounted = async (id: string): Promise<FinishedJob | undefined> => {
      const shown = await execa("sacct", ["-c", "-j", id, "-n", "-P", "-o", "JobID,State,ExitCode"], { env, reject: false });
      const row = shown.stdout.split("\n").find((line) => line.startsWith(`${id}|`));
      if (!row) return undefined;
      const [, jobState, exitCode] = row.split("|");
      return { id, state: jobState!, exitCode: exitCode! };
    };
    return {
      dir,
      node: { name: node.name, cpus: node.cpus, memoryMiB: node.memoryMiB },
      partition: "cpu",
      env,
      run,
      async sbatch(args, options) {
        const submitted = await run("sbatch", ["--parsable", ...args], options);
        if (submitted.exitCode !== 0) throw new Error(`sbatch ${args.join(" ")} exited ${submitted.exitCode}: ${submitted.stderr}`);
        return submitted.stdout.trim().split(";")[0]!;
      },
      state,
      finished: (id, timeoutMs) => until(`job ${id} to end`, () => accounted(id), timeoutMs, logs),
      logs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
