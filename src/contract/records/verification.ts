// The result of verify-unpickling: a versioned record that update-metadata turns into evidence. Who is at
// fault matters as much as what happened: only the checkpoint's own failures are evidence about it; a failure
// of the host's environment (no package index, a full disk, an OOM kill) says nothing about the checkpoint.
import { z } from "zod";
import { isoDateTime, sha256 } from "../common.ts";

export const verificationStatuses = [
  "ok",
  "install-failed",
  "missing-module",
  "unpickle-error",
  "timeout",
  "out-of-memory",
  "refused-unsafe",
  "environment-error",
  "refused-dependency",
] as const;
export type VerificationStatus = (typeof verificationStatuses)[number];

/** Whose failure a run was: none (it passed), the checkpoint's own, or the host's environment. */
export const faults = ["none", "checkpoint", "environment"] as const;
export type Fault = (typeof faults)[number];

/** The longest `checkpointOutput`: the last lines of what the sandboxed process wrote, escaped. */
export const checkpointOutputMaxChars = 2000;

export const platformFingerprint = z
  .strictObject({
    key: z.string().describe('Registry platform key, e.g. "linux-x86_64-cpu".'),
    os: z.string().describe('Operating system, e.g. "linux".'),
    arch: z.string().describe('CPU architecture, e.g. "x86_64".'),
    python: z.string().optional().describe("Python version of the environment."),
    torch: z.string().optional().describe("torch version of the environment."),
    cudaAvailable: z.boolean().optional(),
    cudaVersion: z.string().nullable().optional(),
    mpsAvailable: z.boolean().optional(),
    accelerator: z.string().optional().describe("GPU name when one was used."),
  })
  .describe("Where the check ran.");

export const verificationResult = z
  .strictObject({
    kind: z.literal("verify-unpickling"),
    resultVersion: z.literal(1).describe("Version of this record's layout."),
    runId: z.string().min(1).describe("Unique id of this run; update-metadata records a run once."),
    checkpointId: z.string().optional().describe("The entry checked, when the run started from one."),
    checkpointSha256: sha256.optional().describe("SHA-256 of the file that was checked."),
    checkpointSizeBytes: z.number().int().nonnegative().optional(),
    status: z
      .enum(verificationStatuses)
      .describe(
        "ok, install-failed (the checkpoint's requirements cannot be installed together, or name code outside any index), missing-module, unpickle-error, timeout, out-of-memory, refused-unsafe, refused-dependency (its metadata redirects a reviewed import package to another distribution) or environment-error (the host failed: no package index, no wheel on the configured index, a full disk, an OOM kill, no sandbox).",
      ),
    fault: z
      .enum(faults)
      .optional()
      .describe(
        'Whose failure it is: "none" (ok), "checkpoint" (evidence about it) or "environment" (the host\'s; never evidence). Absent in older records: see faultOf.',
      ),
    deterministic: z
      .boolean()
      .optional()
      .describe("Whether running again on the same kind of host gives the same result (false for environment errors and timeouts)."),
    summary: z.string().describe("One line: what happened. Text from inside the sandbox is escaped."),
    detail: z.record(z.string(), z.unknown()).describe("pip's reason, the missing module, the exception type and message..."),
    checkpointOutput: z
      .string()
      .max(checkpointOutputMaxChars)
      .optional()
      .describe(
        "The checkpoint's own words: the last lines the sandboxed process wrote (and the exception), control characters escaped. Never the registry's.",
      ),
    requirements: z.array(z.string()).describe("The requirements installed, as given to pip."),
    requirementNotes: z.array(z.string()).describe("How the checkpoint's versions were turned into requirements (local labels, git or path installs)."),
    weightsOnlyLoadable: z.boolean().optional().describe("Whether torch.load(weights_only=True) loaded it (run before any of the checkpoint's code)."),
    installed: z
      .record(z.string(), z.string())
      .describe("Installed distributions and versions in the environment, as the host read them after installing and before loading."),
    platform: platformFingerprint.optional(),
    durationsSeconds: z.record(z.string(), z.number().nonnegative()).describe("Duration of each step: download, scan, environment, install, unpickle."),
    tool: z.strictObject({ name: z.string(), version: z.string() }),
    date: isoDateTime,
  })
  .describe("Result of verify-unpickling.");

export type VerificationResult = z.output<typeof verificationResult>;
export type PlatformFingerprint = z.output<typeof platformFingerprint>;

/**
 * Whose failure a record is: its own `fault` when it has one (every record written since faults exist has),
 * else derived from its status. An `install-failed` written before faults existed was mostly a worker without
 * the index or the wheels, so an old one counts as the environment's; a timeout or out-of-memory under the
 * sandbox's limits is the checkpoint's.
 */
export function faultOf(record: Pick<VerificationResult, "status" | "fault">): Fault {
  if (record.fault !== undefined) return record.fault;
  switch (record.status) {
    case "ok":
      return "none";
    case "environment-error":
    case "install-failed":
      return "environment";
    default:
      return "checkpoint";
  }
}

/** Whether a record's result would repeat on the same kind of host: its own word, else by status as faultOf does. */
export function deterministicOf(record: Pick<VerificationResult, "status" | "deterministic">): boolean {
  if (record.deterministic !== undefined) return record.deterministic;
  return !["environment-error", "install-failed", "timeout"].includes(record.status);
}
