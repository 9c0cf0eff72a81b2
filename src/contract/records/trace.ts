// The trace of one log-run: a folder with index.json (this contract) and little-endian float64 files.
// See docs/traces.md for the layout.
import { z } from "zod";
import { isoDateTime, sha256 } from "../common.ts";

export const traceDtypes = ["float64", "float32", "float16", "bfloat16"] as const;

const stats = z.strictObject({
  numel: z.number().int().nonnegative(),
  min: z.number().nullable().describe("Over finite elements; null when there are none."),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  l2: z.number().nullable().describe("L2 norm of the finite elements."),
  nan: z.number().int().nonnegative(),
  inf: z.number().int().nonnegative(),
});

/** Where a tensor's values are stored: `count` float64 values from `offset` (in values) of `file`. */
const stored = z.strictObject({ file: z.string(), offset: z.number().int().nonnegative(), count: z.number().int().nonnegative() });

const tensorRecord = z.strictObject({
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  stats,
  /** Values at fixed positions: floor(i * numel / count), i < count; the same positions on every platform. */
  sample: stored,
});

export const traceIndex = z
  .strictObject({
    kind: z.literal("log-run-trace"),
    traceVersion: z.literal(1),
    runId: z.string(),
    date: isoDateTime,
    tool: z.strictObject({ name: z.string(), version: z.string() }),
    checkpoint: z.strictObject({ sha256, sizeBytes: z.number().int().nonnegative(), checkpointId: z.string().optional() }),
    input: z.strictObject({
      seed: z.number().int(),
      dtype: z.enum(traceDtypes),
      device: z.string(),
      /** sha256 of the float64 input (before the cast to dtype): equal inputs have equal digests. */
      sha256,
      tensors: z.array(z.strictObject({ name: z.string(), shape: z.array(z.number().int().nonnegative()) })),
    }),
    path: z.enum(["anemoi-inference", "predict_step", "forward"]).describe("How the model was driven."),
    steps: z.number().int().positive(),
    environment: z.record(z.string(), z.unknown()).describe("torch, CUDA/cuDNN or MPS, CPU, determinism and TF32 flags."),
    timingsSeconds: z.record(z.string(), z.number().nonnegative()),
    peakMemoryBytes: z.record(z.string(), z.number().nonnegative()),
    sampleCount: z.number().int().positive(),
    modules: z.array(
      z.strictObject({
        index: z.number().int().nonnegative().describe("Call order."),
        name: z.string().describe('Qualified module name; "(model)" for the root.'),
        type: z.string(),
        step: z.number().int().nonnegative(),
        inputs: z.array(tensorRecord).describe("The first tensor argument, as received."),
        outputs: z.array(tensorRecord),
      }),
    ),
    finalOutputs: z.array(z.strictObject({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.string(), values: stored })),
  })
  .describe("Index of a log-run trace folder.");

export type TraceIndex = z.output<typeof traceIndex>;
export type TraceDtype = (typeof traceDtypes)[number];
