// One leased job on this host: the checkpoint from the host's sha256-keyed cache (downloaded once, under a
// lock that other workers of the host wait on, hashed here), then the registry's own command
// (verify-unpickling or log-run) in a child process, which scans, sandboxes and limits the checkpoint as it does
// when run by hand. What comes back is the job's result for the server: its record or its trace uploaded by
// content hash, or a failure saying whose it was (failure.ts), with the file the worker hashed. Every path is
// a child of --work-dir or --cache-dir, proved before use (folders.ts).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { verificationResult } from "../../src/contract/records/verification.ts";
import { summaryLine } from "../../src/evidence/checkpoint-words.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { cachedCheckpoint } from "../checkpoint/cache.ts";
import { repoRoot } from "../repo.ts";
import type { JobResultRequest } from "../api/wire.ts";
import { sha256OfFile } from "../source/sha256.ts";
import { commandFailure, recordFailure } from "./failure.ts";
import { childOf } from "./folders.ts";
import type { Lease } from "./lease.ts";
import { deviceOf } from "./platform.ts";
import type { JobServer } from "./server-client.ts";
import { errorCode, errorMessage } from "../../src/errors.ts";
import { isJsonObject } from "../../src/text/json-object.ts";

export interface JobSettings {
  cacheDir: string;
  workDir: string;
  /** Options passed to verify-unpickling and log-run as they are (environment, limits). */
  commandOptions: string[];
  allowPrivateNetwork: boolean;
  downloadTimeoutMs: number;
  log: (message: string) => void;
}

/** The file a job runs on, as this host hashed it. */
export interface HostFile {
  path: string;
  sha256: string;
  sizeBytes: number;
}

const cli = join(repoRoot, "tooling", "registry.mjs");
const sha256Pattern = /^[0-9a-f]{64}$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Runs `work` holding the lock file `lock`; a lock whose holder died is taken over. */
async function withHostLock<T>(lock: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    try {
      const handle = await open(lock, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
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

/** The download of a URL was not the file the job names: the worker reports what it got. */
export class OtherFileError extends Error {
  readonly file: { sha256: string; sizeBytes: number };
  constructor(message: string, file: { sha256: string; sizeBytes: number }) {
    super(message);
    this.file = file;
  }
}

/**
 * The checkpoint's file on this host: `<sha256>.ckpt` in the cache when the job names a digest and the host has
 * it; else downloaded (checked against the job's size) and hashed here, kept under its digest, and remembered
 * by URL (`url-<hash>.sha256`), so that a job that names no digest finds it too.
 */
export async function checkpointOnHost(lease: Lease, settings: JobSettings, signal: AbortSignal): Promise<HostFile> {
  const { url, sha256, sizeBytes } = lease.job.checkpoint;
  const cacheDir = settings.cacheDir;
  await mkdir(cacheDir, { recursive: true });
  const urlKey = `url-${createHash("sha256").update(url).digest("hex")}`;
  const digestFile = childOf(cacheDir, `${urlKey}.sha256`);
  const cached = async (digest: string): Promise<HostFile | undefined> => {
    const path = childOf(cacheDir, `${digest}.ckpt`);
    return existsSync(path) ? { path, sha256: digest, sizeBytes: (await stat(path)).size } : undefined;
  };
  const known = async () => {
    const remembered = (await readFile(digestFile, "utf8").catch(() => "")).trim();
    const digest = sha256 ?? (sha256Pattern.test(remembered) ? remembered : undefined);
    return digest ? cached(digest) : undefined;
  };
  const found = await known();
  if (found) return found;
  return withHostLock(childOf(cacheDir, `${urlKey}.lock`), signal, async () => {
    const another = await known();
    if (another) return another;
    // Keyed by the URL (no digest given): `url-<hash>.ckpt`, renamed below to its digest.
    const part = await cachedCheckpoint(
      url,
      { sizeBytes },
      { cacheDir, timeoutMs: settings.downloadTimeoutMs, allowPrivateNetwork: settings.allowPrivateNetwork },
    );
    const actual = await sha256OfFile(part);
    const size = (await stat(part)).size;
    if (sha256 && actual !== sha256) {
      await rm(part, { force: true });
      throw new OtherFileError(`${url} served ${size} bytes with sha256 ${actual}, not the job's file ${sha256}; the download was discarded`, {
        sha256: actual,
        sizeBytes: size,
      });
    }
    const path = childOf(cacheDir, `${actual}.ckpt`);
    if (existsSync(path)) await rm(part, { force: true });
    else await rename(part, path);
    await writeFileAtomic(digestFile, `${actual}\n`);
    return { path, sha256: actual, sizeBytes: size };
  });
}

/** The signals that ask a process to stop (a scheduler's cancel, an operator, a shutdown), not a crash or the kernel's OOM kill. */
const stopSignals = new Set(["SIGTERM", "SIGINT", "SIGHUP"]);

export interface CommandRun {
  exitCode: number | undefined;
  signal: string | undefined;
  stderr: string;
  /** Why the command did not finish on its own, when it was stopped: the job is then handed back, not failed. */
  stopped: string | undefined;
}

/**
 * Runs a registry command as a child that dies with this worker; its group is killed when `signal` aborts. A child
 * that a stop signal ended without this worker sending it was stopped from outside: a batch scheduler signals
 * every process of a job at once, and the child's end can reach this worker before the worker's own signal does.
 */
export async function registryCommand(args: string[], signal: AbortSignal): Promise<CommandRun> {
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
    const stopped = signal.aborted
      ? "the worker stopped"
      : run.exitCode === undefined && stopSignals.has(run.signal ?? "")
        ? `${args[0]} was stopped by ${run.signal} from outside the worker`
        : undefined;
    return { exitCode: run.exitCode, signal: run.signal, stderr: String(run.stderr ?? ""), stopped };
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Elements kept of each final output: 8 MiB of float64, so an upload stays small for a global model of millions of
 * grid points; every worker keeps the same positions, so the reference and each platform's run compare.
 */
export const finalSamples = 1_048_576;

async function verifyUnpickling(
  file: HostFile,
  work: string,
  settings: JobSettings,
  signal: AbortSignal,
): Promise<Omit<JobResultRequest, "attempt"> | { stopped: string }> {
  const out = childOf(work, "result.json");
  const run = await registryCommand(["verify-unpickling", file.path, "--out", out, ...settings.commandOptions], signal);
  if (run.stopped) return { stopped: run.stopped };
  // Any verdict is a result (a refusal or a missing module included); no record means it could not run.
  const text = await readFile(out, "utf8").catch(() => undefined);
  if (text === undefined) return { status: "failed", ...commandFailure("verify-unpickling", run) };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const record = verificationResult.safeParse(doc);
  // The raw document is what the server keeps (every key of it); the schema accepted it, so it is an object.
  if (!record.success || !isJsonObject(doc))
    return {
      status: "failed",
      fault: "environment",
      deterministic: false,
      reason: "verify-unpickling wrote a record this worker cannot read (an older or newer registry?)",
    };
  const failure = recordFailure(record.data);
  return failure ? { status: "failed", ...failure, result: doc } : { status: "done", result: doc };
}

/** The files log-run writes, uploaded in this order. */
const traceFiles = ["index.json", "samples.f64", "outputs.f64"] as const;

async function logRun(
  lease: Lease,
  file: HostFile,
  work: string,
  server: JobServer,
  settings: JobSettings,
  signal: AbortSignal,
): Promise<Omit<JobResultRequest, "attempt"> | { stopped: string }> {
  const out = childOf(work, "trace");
  const args = [
    "log-run",
    file.path,
    "--out",
    out,
    "--device",
    deviceOf(lease.job.platform),
    "--dtype",
    lease.job.dtype ?? "float32",
    "--final-samples",
    String(finalSamples),
    ...settings.commandOptions,
  ];
  const run = await registryCommand(args, signal);
  if (run.stopped) return { stopped: run.stopped };
  if (run.exitCode !== 0) return { status: "failed", ...commandFailure("log-run", run) };
  const trace: Record<(typeof traceFiles)[number], string> = { "index.json": "", "samples.f64": "", "outputs.f64": "" };
  for (const name of traceFiles) {
    const path = childOf(out, name);
    if (!existsSync(path)) return { status: "failed", fault: "environment", deterministic: false, reason: `log-run exited 0 but wrote no ${name}` };
    trace[name] = await server.upload(path);
  }
  return { status: "done", trace };
}

export async function runJob(lease: Lease, server: JobServer, settings: JobSettings, signal: AbortSignal): Promise<JobResultRequest> {
  const { job, attempt } = lease;
  const work = childOf(settings.workDir, `${job.job}-${attempt}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    let file: HostFile;
    try {
      file = await checkpointOnHost(lease, settings, signal);
    } catch (error) {
      if (signal.aborted) return { attempt, status: "released", reason: "the worker stopped while downloading the checkpoint" };
      const observed = error instanceof OtherFileError ? { checkpoint: error.file } : {};
      return {
        attempt,
        status: "failed",
        fault: "environment",
        deterministic: false,
        reason: summaryLine(`the download of ${job.checkpoint.url} failed: ${errorMessage(error)}`),
        ...observed,
      };
    }
    const checkpoint = { sha256: file.sha256, sizeBytes: file.sizeBytes };
    const ended =
      job.kind === "verify-unpickling" ? await verifyUnpickling(file, work, settings, signal) : await logRun(lease, file, work, server, settings, signal);
    if ("stopped" in ended) return { attempt, status: "released", reason: `${ended.stopped} during ${job.kind}` };
    return { attempt, ...ended, checkpoint };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
