// verify-unpickling's core: scan, then (if the scan allows) a fresh environment with exactly the
// checkpoint's requirements, and torch.load in a separate, limited process. Returns the result record.
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { PlatformFingerprint, VerificationResult, VerificationStatus } from "../../src/contract/records/verification.ts";
import { toolFor } from "../repo.ts";
import { platformKey } from "../environment/platform-key.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { allowlistFor, prepare, type EnvironmentSettings } from "../environment/prepare.ts";
import { runScript } from "../environment/run-script.ts";
import type { SandboxResult } from "../environment/sandbox.ts";

export interface VerifyOptions extends EnvironmentSettings {
  timeoutMs: number;
  memoryLimitMiB: number | undefined;
}

interface ScriptOutput {
  status?: VerificationStatus;
  missingModule?: string;
  load?: { missingModule?: string; error?: { type: string; message: string }; traceback?: string };
  weightsOnly?: { ok: boolean; error?: { type: string; message: string } };
  environment?: Record<string, unknown>;
  installed?: Record<string, string>;
  error?: { type: string; message: string };
}

/**
 * How running out of memory reads, whoever reports it: Python's MemoryError, torch's CPU allocator
 * ("DefaultCPUAllocator: can't allocate memory") and CUDA's ("CUDA out of memory", torch.OutOfMemoryError),
 * C++'s std::bad_alloc, and the system's ENOMEM.
 */
const allocationFailure = /MemoryError|OutOfMemoryError|DefaultCPUAllocator: can't allocate memory|CUDA out of memory|bad_alloc|Cannot allocate memory|out of memory/i;

export function interpret(run: SandboxResult, output: ScriptOutput | undefined): { status: VerificationStatus; summary: string; detail: Record<string, unknown> } {
  const stderrTail = run.stderr.split("\n").slice(-20).join("\n").trim();
  const killed = run.sandboxed ? "the sandbox and everything in it were killed" : "the process group was killed";
  if (run.timedOut) return { status: "timeout", summary: `no answer within the time limit (${run.seconds.toFixed(1)} s); ${killed}`, detail: { stderr: stderrTail } };
  if (!output) {
    const memory = allocationFailure.test(run.stderr) || (run.memoryLimited && run.signal === "SIGKILL");
    if (memory) return { status: "out-of-memory", summary: "ran out of memory under the limit", detail: { stderr: stderrTail, signal: run.signal } };
    return { status: "unpickle-error", summary: `the loader died (${run.signal ?? `exit ${run.exitCode}`}) without a result`, detail: { stderr: stderrTail, signal: run.signal, exitCode: run.exitCode } };
  }
  const error = output.load?.error ?? output.error;
  // The script names a MemoryError itself; torch's allocators raise RuntimeError, told apart by its message.
  const allocation = error !== undefined && allocationFailure.test(`${error.type}: ${error.message}`);
  const status = output.status === "unpickle-error" && allocation ? "out-of-memory" : (output.status ?? "unpickle-error");
  if (status === "ok") return { status, summary: "torch.load(weights_only=False) loaded the checkpoint", detail: {} };
  const missing = output.missingModule ?? output.load?.missingModule;
  if (status === "missing-module") return { status, summary: `module ${missing} is not installed`, detail: { module: missing, error } };
  if (status === "out-of-memory") return { status, summary: "ran out of memory under the limit", detail: { error } };
  return { status, summary: `${error?.type ?? "error"}: ${error?.message ?? ""}`.slice(0, 300), detail: { error, traceback: output.load?.traceback } };
}

export async function verifyCheckpoint(file: CheckpointFile, options: VerifyOptions): Promise<VerificationResult> {
  const base = {
    kind: "verify-unpickling" as const,
    resultVersion: 1 as const,
    runId: randomUUID(),
    ...(file.checkpointId ? { checkpointId: file.checkpointId } : {}),
    tool: toolFor("verify-unpickling"),
    date: new Date().toISOString(),
  };
  const prepared = await prepare(file, options);
  const durations = prepared.durations;
  const common = { ...base, checkpointSha256: prepared.sha256, checkpointSizeBytes: prepared.sizeBytes, requirements: prepared.requirements, requirementNotes: prepared.notes };
  const host = { key: platformKey({ os: process.platform, arch: process.arch }), os: process.platform, arch: process.arch };
  if (prepared.refused) {
    return { ...common, status: "refused-unsafe", summary: prepared.refused.summary, detail: { flagged: prepared.refused.flagged }, installed: {}, platform: host, durationsSeconds: durations };
  }
  if (prepared.installFailure) {
    const { summary, reason, log } = prepared.installFailure;
    return { ...common, status: "install-failed", summary: summary.slice(0, 300), detail: { reason, log: log.slice(-8000) }, installed: {}, platform: host, durationsSeconds: durations };
  }
  const env = prepared.env!;
  try {
    const started = performance.now();
    const script = await runScript(env, "verify_unpickling.py", { checkpoint: resolve(file.path), allowlist: allowlistFor(options) }, {
      timeoutMs: options.timeoutMs,
      memoryLimitMiB: options.memoryLimitMiB,
      sandbox: !options.noSandbox,
      readOnly: [resolve(file.path)],
    });
    const { run } = script;
    const output = script.output as ScriptOutput | undefined;
    durations.unpickle = (performance.now() - started) / 1000;
    const { status, summary, detail } = interpret(run, output);
    const environment = output?.environment ?? {};
    const fingerprint = {
      key: platformKey(environment as { os?: string; arch?: string; cudaAvailable?: boolean; mpsAvailable?: boolean }),
      os: String(environment.os ?? process.platform),
      arch: String(environment.arch ?? process.arch),
      ...Object.fromEntries(["python", "torch", "cudaAvailable", "cudaVersion", "mpsAvailable", "accelerator"].filter((k) => environment[k] !== undefined).map((k) => [k, environment[k]])),
    } as PlatformFingerprint;
    return {
      ...common,
      status,
      summary,
      detail: { ...detail, processGroup: run.processGroup, memoryLimitMiB: options.memoryLimitMiB },
      ...(output?.weightsOnly ? { weightsOnlyLoadable: output.weightsOnly.ok } : {}),
      installed: output?.installed ?? {},
      platform: output ? fingerprint : host,
      durationsSeconds: durations,
    };
  } finally {
    await env.dispose();
    if (options.keepEnv) options.log(`verify-unpickling: environment kept at ${env.dir}`);
  }
}
