// One record of a check that was run on a platform: what was checked, the result, and where and with what.
import { z } from "zod";
import { isoDateTime, jsonObject, sha256 } from "./common.ts";
import { object, oneOf, type Mode } from "./mode.ts";

export const evidenceChecks = ["unpickle", "run", "compare-runs", "manual"] as const;
export const evidenceResults = ["pass", "degraded", "fail"] as const;
export type EvidenceCheck = (typeof evidenceChecks)[number];
export type EvidenceResult = (typeof evidenceResults)[number];

export function makeEvidence<M extends Mode>(mode: M) {
  return object(mode, {
    check: oneOf(
      mode,
      evidenceChecks,
      "What was checked: unpickling with the stated requirements, a run on dummy input, a numerical comparison against a reference run, or a manual report.",
    ),
    result: oneOf(mode, evidenceResults, "The outcome: pass, degraded (works with caveats, e.g. numbers within a looser tolerance), or fail."),
    summary: z.string().optional().describe("One line saying what happened, e.g. the missing module or the verdict."),
    date: isoDateTime.describe("When the check ran."),
    tool: object(mode, {
      name: z.string().min(1).describe('The tool, e.g. "fiab-model-registry verify-unpickling".'),
      version: z.string().min(1).describe("The tool's version."),
    }).describe("The tool that produced the record."),
    environment: object(mode, {
      os: z.string().optional().describe('Operating system, e.g. "linux".'),
      arch: z.string().optional().describe('CPU architecture, e.g. "x86_64".'),
      python: z.string().optional().describe("Python version."),
      torch: z.string().optional().describe("torch version."),
      accelerator: z.string().optional().describe('Accelerator used, e.g. "NVIDIA H100" or "Apple M2"; absent for CPU.'),
      cuda: z.string().optional().describe("CUDA runtime version, when used."),
      packages: z.record(z.string(), z.string()).optional().describe("Installed distributions and versions (pip freeze)."),
    }).describe("The environment the check ran in."),
    checkpointSha256: sha256.optional().describe("SHA-256 of the checkpoint file that was checked."),
    details: jsonObject.optional().describe("Tool-specific details kept as given (e.g. the comparison's per-module figures)."),
  }).describe("A record of one check on one platform.");
}

export type Evidence = z.output<ReturnType<typeof makeEvidence<"authoring">>>;
