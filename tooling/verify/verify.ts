// verify-unpickling's core: scan, then (if the scan allows) a fresh environment with exactly the checkpoint's
// requirements, what the host reads of it, and two steps under the harness: a probe of torch and the
// accelerators with torch.load(weights_only=True), and only then the checkpoint's own code,
// torch.load(weights_only=False). Returns the result record, for every outcome once the command started: whose fault a failure is
// (the checkpoint's, or the host's environment's) is part of it. Facts come from where the checkpoint could
// not have written them: installed versions from the host's reading, the torch version, accelerators and
// weights_only from the probe, exit status and time from the harness. The load's own answer
// is the only thing the checkpoint's code could forge, and it is refused when it contradicts those facts.
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import {
  checkpointOutputMaxChars,
  type Fault,
  type PlatformFingerprint,
  type VerificationResult,
  type VerificationStatus,
} from "../../src/contract/records/verification.ts";
import { strangerText } from "../../src/text/control.ts";
import { isJsonObject, jsonObject } from "../../src/text/json-object.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { platformKeyOf } from "../../src/platform/platform-key.ts";
import { hostPlatform } from "../environment/host-platform.ts";
import { allowlistFor, prepare, type EnvironmentSettings, type Prepared } from "../environment/prepare.ts";
import type { InstalledFacts } from "../environment/python-env.ts";
import { lastLines, runHarness, stepAnswer, strangerTail, type HarnessRun, type StageReport } from "../environment/run-script.ts";
import { toolFor } from "../repo.ts";

export interface VerifyOptions extends EnvironmentSettings {
  timeoutMs: number;
  memoryLimitMiB: number | undefined;
}

/**
 * How running out of memory reads, whoever reports it: Python's MemoryError, torch's CPU allocator
 * ("DefaultCPUAllocator: can't allocate memory") and CUDA's ("CUDA out of memory", torch.OutOfMemoryError),
 * C++'s std::bad_alloc, and the system's ENOMEM.
 */
const allocationFailure =
  /MemoryError|OutOfMemoryError|DefaultCPUAllocator: can't allocate memory|CUDA out of memory|bad_alloc|Cannot allocate memory|out of memory/i;

export interface Verdict {
  status: VerificationStatus;
  fault: Fault;
  deterministic: boolean;
  summary: string;
  detail: Record<string, unknown>;
  /** The checkpoint's own words, escaped and capped; only for what the load step printed. */
  checkpointOutput?: string;
}

const verdict = (status: VerificationStatus, fault: Fault, deterministic: boolean, summary: string, detail: Record<string, unknown> = {}): Verdict => ({
  status,
  fault,
  deterministic,
  summary: strangerText(summary, 500),
  detail,
});
const environmentError = (summary: string, detail: Record<string, unknown> = {}) => verdict("environment-error", "environment", false, summary, detail);

interface ErrorDescription {
  type: string;
  message: string;
}

function errorOf(value: unknown): ErrorDescription | undefined {
  if (!isJsonObject(value)) return undefined;
  const { type, message } = value;
  return typeof type === "string" ? { type: strangerText(type, 200), message: strangerText(typeof message === "string" ? message : "", 4000) } : undefined;
}

/** The load step's output and exception as the checkpoint's words: its last lines, escaped, capped. */
function checkpointWords(stage: StageReport, error: ErrorDescription | undefined): string | undefined {
  const text = [stage.output.trimEnd(), error ? `${error.type}: ${error.message}` : ""].filter(Boolean).join("\n");
  return text ? strangerTail(text, checkpointOutputMaxChars) : undefined;
}

/** A version as the installer records it and as the package reports it at run time agree up to a local label. */
function sameVersion(reported: unknown, installed: string | undefined): boolean {
  if (typeof reported !== "string" || installed === undefined) return false;
  const publicPart = (v: string) => v.split("+")[0]!;
  return reported === installed || publicPart(reported) === publicPart(installed);
}

/** The distribution version of `name` in the host's reading (names compared as PEP 503 does). */
function installedVersion(installed: InstalledFacts, name: string): string | undefined {
  const wanted = name.toLowerCase().replace(/[-_.]+/g, "-");
  return Object.entries(installed.distributions).find(([n]) => n.toLowerCase().replace(/[-_.]+/g, "-") === wanted)?.[1];
}

export interface HostFacts {
  installed: InstalledFacts;
  /** Top-level modules the pickle imports (the scan's, the standard library left out). */
  pickleModules: readonly string[];
}

/**
 * The verdict of a harness run, from what the harness saw and what each step answered. The checkpoint is
 * blamed only for what its own load step did; a step that ran none of its code failing is the environment's.
 */
export function interpret(harness: HarnessRun, facts: HostFacts): Verdict {
  const { run, report } = harness;
  if (!report) {
    if (run.timedOut)
      return verdict(
        "timeout",
        "checkpoint",
        false,
        `no answer within the time limit (${run.seconds.toFixed(1)} s); the sandbox and everything in it were killed`,
      );
    return environmentError(harness.noReport ?? "the harness gave no report", { exitCode: run.exitCode, signal: run.signal });
  }
  const stage = (name: string) => report.stages.find((s) => s.name === name);
  const probe = stage("probe");
  const probeAnswer = stepAnswer(probe);
  if (!probe || !probeAnswer || probe.exitCode !== 0) {
    const why = probe?.timedOut ? "did not finish within the time limit" : `failed (${probe?.signal ?? `exit ${probe?.exitCode}`})`;
    return environmentError(`importing torch in the environment, before any of the checkpoint's code, ${why}: ${lastLines(probe?.output ?? "", 3)}`);
  }
  const load = stage("load");
  if (!load) return environmentError("the load step did not run");
  const answer = stepAnswer(load);
  const loadDetail = jsonObject(answer?.load);
  const error = errorOf(loadDetail?.error);
  const words = checkpointWords(load, error);
  const withWords = (v: Verdict): Verdict => (words ? { ...v, checkpointOutput: words } : v);
  if (load.timedOut)
    return withWords(
      verdict("timeout", "checkpoint", false, `no answer within the time limit (${load.seconds.toFixed(1)} s); the sandbox and everything in it were killed`),
    );
  if (!answer) {
    if (load.messageTooLarge) return withWords(verdict("unpickle-error", "checkpoint", true, "the loader's answer was over its cap"));
    // SIGKILL comes from the host's out-of-memory killer (the memory limit makes allocations fail instead).
    if (load.signal === "SIGKILL")
      return withWords(environmentError("the loader was killed (SIGKILL), as the host's out-of-memory killer does", { signal: load.signal }));
    if (allocationFailure.test(load.output))
      return withWords(verdict("out-of-memory", "checkpoint", true, "ran out of memory under the limit", { signal: load.signal, exitCode: load.exitCode }));
    return withWords(
      verdict("unpickle-error", "checkpoint", true, `the loader died (${load.signal ?? `exit ${load.exitCode}`}) without a result`, {
        signal: load.signal,
        exitCode: load.exitCode,
      }),
    );
  }
  const claimed = answer.status;
  // torch's allocators raise RuntimeError, told apart by its message.
  if (claimed === "out-of-memory" || (claimed === "unpickle-error" && error && allocationFailure.test(`${error.type}: ${error.message}`))) {
    return withWords(verdict("out-of-memory", "checkpoint", true, "ran out of memory under the limit", { error }));
  }
  if (claimed === "ok") {
    const forged = contradictions(answer, probeAnswer, facts);
    if (forged.length > 0)
      return withWords(
        verdict(
          "refused-unsafe",
          "checkpoint",
          true,
          `the loader's answer contradicts what the host established before loading, so code from the checkpoint wrote it: ${forged.join("; ")}`,
          { forged },
        ),
      );
    return withWords(verdict("ok", "none", true, "torch.load(weights_only=False) loaded the checkpoint"));
  }
  if (claimed === "missing-module") {
    const missing = strangerText(String(loadDetail?.missingModule ?? ""), 200);
    return withWords(verdict("missing-module", "checkpoint", true, `module ${missing} is not installed`, { module: missing, error }));
  }
  if (claimed === "refused-unsafe" || claimed === "unpickle-error") {
    const traceback = typeof loadDetail?.traceback === "string" ? strangerTail(loadDetail.traceback, 4000) : undefined;
    return withWords(
      verdict(claimed, "checkpoint", true, `${error?.type ?? "error"}: ${error?.message ?? ""}`.slice(0, 300), { error, ...(traceback ? { traceback } : {}) }),
    );
  }
  return withWords(
    verdict(
      "refused-unsafe",
      "checkpoint",
      true,
      `the loader answered a status it never gives (${strangerText(JSON.stringify(claimed) ?? "none", 80)}), so code from the checkpoint wrote it`,
    ),
  );
}

/** What an "ok" from the load step says that the host knows to be false. */
function contradictions(answer: Record<string, unknown>, probe: Record<string, unknown>, facts: HostFacts): string[] {
  const found: string[] = [];
  const importable = new Set(facts.installed.importable);
  const absent = facts.pickleModules.filter((m) => !importable.has(m));
  if (absent.length > 0) found.push(`it reports ok, but the pickle imports ${absent.join(", ")}, which ${absent.length === 1 ? "is" : "are"} not installed`);
  const probed = jsonObject(probe.environment) ?? {};
  if (answer.torch !== probed.torch)
    found.push(`it reports torch ${strangerText(String(answer.torch), 60)}, torch is ${strangerText(String(probed.torch), 60)}`);
  if (answer.python !== facts.installed.python) found.push(`it reports Python ${strangerText(String(answer.python), 60)}, Python is ${facts.installed.python}`);
  return found;
}

/** Where the check ran: the host's OS and architecture, the probe's torch and accelerators, the host's Python. */
function fingerprintOf(harness: HarnessRun, installed: InstalledFacts): { platform: PlatformFingerprint; problem?: string } {
  const { os, arch } = hostPlatform();
  const host = { key: platformKeyOf({ os, arch }), os, arch, python: installed.python };
  const environment: unknown = stepAnswer(harness.report?.stages.find((s) => s.name === "probe"))?.environment;
  if (!environment) return { platform: host };
  // A value that is not an object reads as one without keys: the torch check below then reports it.
  const probed = jsonObject(environment) ?? {};
  const text = (v: unknown) => (typeof v === "string" ? strangerText(v, 200) : undefined);
  const probedTorch = text(probed.torch);
  const cudaVersion = probed.cudaVersion === null ? null : text(probed.cudaVersion);
  const accelerator = text(probed.accelerator);
  const platform: PlatformFingerprint = {
    key: platformKeyOf({ os, arch, cudaAvailable: probed.cudaAvailable === true, mpsAvailable: probed.mpsAvailable === true }),
    os,
    arch,
    python: installed.python,
    ...(probedTorch ? { torch: probedTorch } : {}),
    cudaAvailable: probed.cudaAvailable === true,
    ...(cudaVersion !== undefined ? { cudaVersion } : {}),
    mpsAvailable: probed.mpsAvailable === true,
    ...(accelerator ? { accelerator } : {}),
  };
  const torch = installedVersion(installed, "torch");
  if (!sameVersion(probed.torch, torch))
    return { platform, problem: `torch reports version ${platform.torch ?? "?"} but the environment holds torch ${torch ?? "(none)"}` };
  return { platform };
}

function weightsOnly(harness: HarnessRun): boolean | undefined {
  const answer = jsonObject(stepAnswer(harness.report?.stages.find((s) => s.name === "probe"))?.weightsOnly);
  const load = jsonObject(answer?.load);
  return answer?.supported === true && typeof load?.ok === "boolean" ? load.ok : undefined;
}

/** The record's common part, for a run that got as far as `prepared` (or not even that). */
function recordBase(file: CheckpointFile, prepared: Partial<Prepared>) {
  return {
    kind: "verify-unpickling" as const,
    resultVersion: 1 as const,
    runId: randomUUID(),
    ...(file.checkpointId ? { checkpointId: file.checkpointId } : {}),
    ...(prepared.sha256 ? { checkpointSha256: prepared.sha256 } : {}),
    ...(prepared.sizeBytes !== undefined ? { checkpointSizeBytes: prepared.sizeBytes } : {}),
    tool: toolFor("verify-unpickling"),
    date: new Date().toISOString(),
    // From the checkpoint's metadata: a stranger's text too.
    requirements: (prepared.requirements ?? []).map((r) => strangerText(r, 1000)),
    requirementNotes: (prepared.notes ?? []).map((n) => strangerText(n, 1000)),
    installed: {},
    platform: { key: platformKeyOf(hostPlatform()), ...hostPlatform() },
    durationsSeconds: prepared.durations ?? {},
  };
}

/** The record of a run the host's environment stopped before any verdict: never evidence about the checkpoint. */
export function environmentRecord(file: CheckpointFile, summary: string, detail: Record<string, unknown> = {}): VerificationResult {
  return { ...recordBase(file, {}), status: "environment-error", fault: "environment", deterministic: false, summary: strangerText(summary, 500), detail };
}

/** The least time a step that runs none of the checkpoint's code gets (importing torch on a busy machine). */
const hostStepMs = 300_000;

export async function verifyCheckpoint(file: CheckpointFile, options: VerifyOptions): Promise<VerificationResult> {
  const prepared = await prepare(file, options);
  const base = recordBase(file, prepared);
  if (prepared.refused) {
    return {
      ...base,
      status: prepared.refused.status,
      fault: "checkpoint",
      deterministic: true,
      summary: strangerText(prepared.refused.summary, 1000),
      detail: { flagged: prepared.refused.flagged.map((name) => strangerText(name, 300)) },
    };
  }
  if (prepared.installFailure) {
    const { summary, reason, log, kind } = prepared.installFailure;
    return {
      ...base,
      status: kind.status,
      fault: kind.fault,
      deterministic: kind.deterministic,
      summary: strangerText(summary, 300),
      detail: { cause: kind.cause, reason: strangerText(reason ?? "", 4000), log: strangerTail(log, 8000) },
    };
  }
  const { env, installed } = prepared;
  try {
    const started = performance.now();
    const harness = await runHarness(
      env,
      { checkpoint: resolve(file.path), allowlist: allowlistFor(options), weightsOnly: true },
      [
        // It runs none of the checkpoint's code (torch, and torch's weights_only unpickler): its time is the
        // host's, not the checkpoint's --timeout.
        { name: "probe", script: "verify_unpickling.py", args: ["probe"], required: true, timeoutMs: 2 * Math.max(options.timeoutMs, hostStepMs) },
        { name: "load", script: "verify_unpickling.py", args: ["load"] },
      ],
      { timeoutMs: options.timeoutMs, memoryLimitMiB: options.memoryLimitMiB, sandbox: !options.noSandbox, readOnly: [resolve(file.path)] },
    );
    const durations = { ...prepared.durations, unpickle: (performance.now() - started) / 1000 };
    const fingerprint = fingerprintOf(harness, installed);
    let result = interpret(harness, { installed, pickleModules: prepared.extraction?.pickle?.modules ?? [] });
    // A torch that does not report the version installed was changed after the host read it: not the checkpoint's doing.
    if (fingerprint.problem && result.status === "ok") result = environmentError(fingerprint.problem);
    const wo = weightsOnly(harness);
    return {
      ...base,
      status: result.status,
      fault: result.fault,
      deterministic: result.deterministic,
      summary: result.summary,
      detail: { ...result.detail, processGroup: harness.run.processGroup, memoryLimitMiB: options.memoryLimitMiB, limits: harness.run.limits },
      ...(result.checkpointOutput ? { checkpointOutput: result.checkpointOutput } : {}),
      ...(wo !== undefined ? { weightsOnlyLoadable: wo } : {}),
      installed: installed.distributions,
      platform: fingerprint.platform,
      durationsSeconds: durations,
    };
  } finally {
    await env.dispose();
    if (options.keepEnv) options.log(`verify-unpickling: environment kept at ${env.dir}`);
  }
}
