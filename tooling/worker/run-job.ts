// One leased job on this host: the checkpoint from the host's sha256-keyed cache (downloaded once, under a
// lock that other workers of the host wait on), then the registry's own command (verify-unpickling or
// log-run) in a child process, which scans, sandboxes and limits the checkpoint as it does when run by hand.
// What comes back is the job's result for the server: its record, or its trace uploaded by content hash.
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { cachedCheckpoint } from "../checkpoint/cache.ts";
import { repoRoot } from "../repo.ts";
import type { JobResultRequest } from "../server/api-schemas.ts";
import { deviceOf } from "./platform.ts";
import type { JobServer, Lease } from "./server-client.ts";

export interface JobSettings {
  cacheDir: string;
  workDir: string;
  /** Options passed to verify-unpickling and log-run as they are (environment, limits). */
  commandOptions: string[];
  allowPrivateNetwork: boolean;
  downloadTimeoutMs: number;
  log: (message: string) => void;
}

const cli = join(repoRoot, "tooling", "registry.mjs");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `work` holding `<path>.lock`; a lock whose holder died is taken over. */
async function withHostLock<T>(path: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  for (;;) {
    signal.throwIfAborted();
    try {
      const handle = await open(lock, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number((await readFile(lock, "utf8").catch(() => "")).trim());
      if (Number.isSafeInteger(holder) && holder > 0 && !alive(holder)) await unlink(lock).catch(() => undefined);
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** The checkpoint's file on this host, verified against the job's size and sha256. */
export async function checkpointOnHost(lease: Lease, settings: JobSettings, signal: AbortSignal): Promise<string> {
  const { url, sha256, sizeBytes } = lease.job.checkpoint;
  // The cache's own key: the sha256, else the URL's hash (a server that sends no digest).
  const key = sha256 ?? `url-${createHash("sha256").update(url).digest("hex")}`;
  await mkdir(settings.cacheDir, { recursive: true });
  return withHostLock(join(settings.cacheDir, key), signal, () =>
    cachedCheckpoint(url, { sha256, sizeBytes }, { cacheDir: settings.cacheDir, timeoutMs: settings.downloadTimeoutMs, allowPrivateNetwork: settings.allowPrivateNetwork }),
  );
}

/** Runs a registry command as a child that dies with this worker; its group is killed when `signal` aborts. */
async function registryCommand(args: string[], signal: AbortSignal): Promise<{ exitCode: number | undefined; stderr: string; aborted: boolean }> {
  const child = execa(process.execPath, [cli, ...args], {
    reject: false,
    detached: true,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    maxBuffer: 1024 * 1024,
    env: { REGISTRY_PARENT_PID: String(process.pid), NODE_OPTIONS: "" },
    cleanup: true,
  });
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5_000).unref();
    } catch {
      // already gone
    }
  };
  signal.addEventListener("abort", stop, { once: true });
  try {
    const run = await child;
    return { exitCode: run.exitCode, stderr: String(run.stderr ?? ""), aborted: signal.aborted };
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Elements kept of each final output: 8 MiB of float64, so an upload stays small for a global model of millions of
 * grid points; every worker keeps the same positions, so the reference and each platform's run compare.
 */
export const finalSamples = 1_048_576;

const tail = (text: string) => text.trim().split("\n").slice(-12).join("\n").slice(-3000);

export async function runJob(lease: Lease, server: JobServer, settings: JobSettings, signal: AbortSignal): Promise<JobResultRequest> {
  const { job, attempt } = lease;
  const work = join(settings.workDir, `${job.job}-${attempt}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    let checkpoint: string;
    try {
      checkpoint = await checkpointOnHost(lease, settings, signal);
    } catch (error) {
      if (signal.aborted) return { attempt, status: "released", reason: "the worker stopped while downloading the checkpoint" };
      return { attempt, status: "failed", reason: `download of ${job.checkpoint.url} failed: ${(error as Error).message}`.slice(0, 3000) };
    }
    if (job.kind === "verify-unpickling") {
      const out = join(work, "result.json");
      const run = await registryCommand(["verify-unpickling", checkpoint, "--out", out, ...settings.commandOptions], signal);
      if (run.aborted) return { attempt, status: "released", reason: "the worker stopped during verify-unpickling" };
      const text = await readFile(out, "utf8").catch(() => undefined);
      // Any verdict is a result (a refusal or a missing module included); no record means it could not run.
      if (!text) return { attempt, status: "failed", reason: `verify-unpickling exited ${run.exitCode} without a result:\n${tail(run.stderr)}` };
      return { attempt, status: "done", result: JSON.parse(text) as Record<string, unknown> };
    }
    if (job.kind === "log-run") {
      const out = join(work, "trace");
      const args = ["log-run", checkpoint, "--out", out, "--device", deviceOf(job.platform), "--dtype", job.dtype ?? "float32", "--final-samples", String(finalSamples), ...settings.commandOptions];
      const run = await registryCommand(args, signal);
      if (run.aborted) return { attempt, status: "released", reason: "the worker stopped during log-run" };
      if (run.exitCode !== 0) return { attempt, status: "failed", reason: `log-run exited ${run.exitCode}:\n${tail(run.stderr)}` };
      const trace = { "index.json": "", "samples.f64": "", "outputs.f64": "" };
      for (const name of Object.keys(trace) as Array<keyof typeof trace>) {
        await stat(join(out, name));
        trace[name] = await server.upload(join(out, name));
      }
      return { attempt, status: "done", trace };
    }
    return { attempt, status: "failed", reason: `a worker does not run ${job.kind} jobs` };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

