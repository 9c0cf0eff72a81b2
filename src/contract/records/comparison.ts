// The result of compare-runs: a versioned record that update-metadata turns into evidence for the platform
// of the candidate trace (B), against the reference (A).
import { z } from "zod";
import { isoDateTime, sha256 } from "../common.ts";

export const comparisonVerdicts = ["equivalent", "within-tolerance", "divergent"] as const;

const metrics = z.strictObject({
  count: z.number().int().nonnegative().describe("Elements compared."),
  maxAbs: z.number().nullable(),
  meanAbs: z.number().nullable(),
  maxRel: z.number().nullable().describe("Max |b - a| / max(|a|, atol)."),
  relL2: z.number().nullable().describe("||b - a|| / ||a||."),
  cosine: z.number().nullable(),
  outsideShare: z.number().describe("Share of elements with |b - a| > atol + rtol |a|."),
  nanMismatches: z.number().int().nonnegative(),
  infMismatches: z.number().int().nonnegative(),
});

/** What one run's numerics can give: unit roundoffs from its dtype and its recorded matmul settings. */
const precision = z.strictObject({
  dtype: z.string(),
  storageUnit: z.number().nonnegative().describe("Unit roundoff of the stored values (2^-24 for float32, 2^-8 for bfloat16)."),
  matmul: z.string().describe('Matmul inputs as the settings allow: "float32", "tf32", "bfloat16", ...'),
  matmulUnit: z.number().nonnegative(),
  accumulationUnit: z.number().nonnegative(),
  source: z
    .enum(["recorded", "tf32 flags", "dtype"])
    .describe("Where the settings came from: the trace's numerics record, the older TF32 flags, or the dtype alone."),
});

const side = z.strictObject({
  runId: z.string(),
  platformKey: z.string(),
  dtype: z.string(),
  device: z.string(),
  torch: z.string().optional(),
  accelerator: z.string().optional(),
});

export const comparisonResult = z
  .strictObject({
    kind: z.literal("compare-runs"),
    resultVersion: z.literal(1),
    runId: z.string(),
    checkpointId: z.string().optional(),
    checkpointSha256: sha256,
    inputSha256: sha256,
    reference: side,
    candidate: side,
    profile: z.strictObject({ name: z.string(), rtol: z.number().nonnegative(), atol: z.number().nonnegative() }),
    /** Present when the verdict judged each output against the precision of the two runs (the default). */
    budget: z.strictObject({ reference: precision, candidate: precision, constants: z.record(z.string(), z.number()) }).optional(),
    verdict: z.enum(comparisonVerdicts),
    summary: z.string(),
    firstDivergent: z.strictObject({ index: z.number().int(), name: z.string(), reason: z.string() }).optional(),
    modules: z.array(
      z.strictObject({
        index: z.number().int().nonnegative(),
        name: z.string(),
        type: z.string(),
        step: z.number().int().nonnegative(),
        output: z.number().int().nonnegative(),
        verdict: z.enum(comparisonVerdicts),
        metrics,
        /** relL2 of this output minus relL2 of the input it received: the error the module itself adds. */
        addedError: z.number().nullable(),
        /** The relative L2 error the two runs' precision allows here (precision verdicts only). */
        allowedRelL2: z.number().nonnegative().optional(),
      }),
    ),
    unaligned: z.array(z.string()).describe("Module calls present in only one trace."),
    finalOutputs: z.array(
      z.strictObject({ name: z.string(), verdict: z.enum(comparisonVerdicts), metrics, allowedRelL2: z.number().nonnegative().optional() }),
    ),
    tool: z.strictObject({ name: z.string(), version: z.string() }),
    date: isoDateTime,
  })
  .describe("Result of compare-runs.");

export type ComparisonResult = z.output<typeof comparisonResult>;
export type ComparisonMetrics = z.output<typeof metrics>;
export type ComparisonVerdict = (typeof comparisonVerdicts)[number];
