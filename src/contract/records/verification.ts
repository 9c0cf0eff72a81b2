// The result of verify-unpickling: a versioned record that update-metadata turns into evidence.
import { z } from "zod";
import { isoDateTime, sha256 } from "../common.ts";

export const verificationStatuses = ["ok", "install-failed", "missing-module", "unpickle-error", "timeout", "out-of-memory", "refused-unsafe", "environment-error", "refused-dependency"] as const;
export type VerificationStatus = (typeof verificationStatuses)[number];

/** Whose failure a run was: none (it passed), the checkpoint's own, or the host's environment. */
export const faults = ["none", "checkpoint", "environment"] as const;
export type Fault = (typeof faults)[number];

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
    status: z.enum(verificationStatuses).describe("ok, install-failed, missing-module, unpickle-error, timeout, out-of-memory or refused-unsafe."),
    summary: z.string().describe("One line: what happened."),
    fault: z.enum(faults).optional().describe("none (ok), checkpoint (its own failure), environment (the host's: no index, disk full, host out of memory, no sandbox)."),
    deterministic: z.boolean().optional().describe("Whether running again on the same kind of host gives the same result."),
    checkpointOutput: z.string().max(2000).optional().describe("The last lines of the sandboxed process's stderr, control characters escaped: the checkpoint's words."),
    detail: z.record(z.string(), z.unknown()).describe("pip's reason, the missing module, the exception type and message..."),
    requirements: z.array(z.string()).describe("The requirements installed, as given to pip."),
    requirementNotes: z.array(z.string()).describe("How the checkpoint's versions were turned into requirements (local labels, git or path installs)."),
    weightsOnlyLoadable: z.boolean().optional().describe("Whether torch.load(weights_only=True) loaded it."),
    installed: z.record(z.string(), z.string()).describe("Installed distributions and versions in the environment."),
    platform: platformFingerprint.optional(),
    durationsSeconds: z.record(z.string(), z.number().nonnegative()).describe("Duration of each step: download, scan, environment, install, unpickle."),
    tool: z.strictObject({ name: z.string(), version: z.string() }),
    date: isoDateTime,
  })
  .describe("Result of verify-unpickling.");

export type VerificationResult = z.output<typeof verificationResult>;
export type PlatformFingerprint = z.output<typeof platformFingerprint>;

/**
 * The record's fault; derived from its status for records written before `fault` existed, where a failed install
 * was as often the host's index as the checkpoint's requirements: not blamed on the checkpoint.
 */
export function faultOf(record: Pick<VerificationResult, "status" | "fault">): Fault {
  if (record.fault) return record.fault;
  if (record.status === "ok") return "none";
  return record.status === "environment-error" || record.status === "install-failed" ? "environment" : "checkpoint";
}
