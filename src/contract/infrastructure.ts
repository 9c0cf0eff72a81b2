// What the machine running the model must offer, as declared by hand or measured.
import { z } from "zod";
import { httpUrl } from "./common.ts";
import { object, oneOf, type Mode } from "./mode.ts";

export const operatingSystems = ["linux", "macos"] as const;
export type OperatingSystem = (typeof operatingSystems)[number];

/** CPU architectures by their Linux names; Apple silicon is aarch64 (macOS calls it arm64). */
export const cpuArchitectures = ["x86_64", "aarch64"] as const;
export type CpuArchitecture = (typeof cpuArchitectures)[number];

export const gpuMemoryKinds = ["measured", "stated", "estimated"] as const;
export type GpuMemoryKind = (typeof gpuMemoryKinds)[number];

/**
 * The GPU memory a run needs, for people choosing a model, with how it is known. Kept apart from
 * minimumGpuMemoryMib, which FIAB reads to refuse a machine (and any machine without a GPU): an estimate must
 * not make FIAB refuse a model that would have run.
 */
export function makeGpuMemory<M extends Mode>(mode: M) {
  return object(mode, {
    mib: z.number().int().positive().describe("GPU memory in MiB (on macOS the unified memory)."),
    kind: oneOf(mode, gpuMemoryKinds, "How it is known: measured on a run (source), stated by the publisher (source), or estimated by the rule given."),
    atLeast: z
      .boolean()
      .optional()
      .describe("true when the figure is a lower bound: part of what the rule needs was not published (e.g. a limited area's grid points)."),
    rule: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe('For an estimate: the rule and the figures it used, in words, e.g. "file size + 32 KiB per grid point + 512 MiB".'),
    source: httpUrl.optional().describe("Where the measurement or statement was published."),
  }).describe(
    "GPU memory a run needs, measured, stated or estimated; the catalog's \"fits my machine\" reads it. FIAB's views do not: they publish minimumGpuMemoryMib only.",
  );
}

export type GpuMemory = z.output<ReturnType<typeof makeGpuMemory<"authoring">>>;

export function makeInfrastructure<M extends Mode>(mode: M) {
  return object(mode, {
    supportedOs: z
      .array(oneOf(mode, operatingSystems, "An operating system FIAB may run the model on."))
      .optional()
      .describe("Operating systems FIAB offers the model on (FIAB's supported_platforms)."),
    architectures: z
      .array(oneOf(mode, cpuArchitectures, "A CPU architecture."))
      .optional()
      .describe(
        "CPU architectures this variant runs on, when its requirements restrict them (e.g. an aarch64 flash-attn wheel); absent: not restricted by any platform-specific wheel. Apple silicon (arm64) is aarch64.",
      ),
    minimumGpuMemoryMib: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .optional()
      .describe(
        "GPU memory (MiB) below which FIAB refuses to run the model, and with it any machine without a GPU (FIAB's minimum_gpu_memory_mib); only for a model that needs a GPU, never an estimate. null: no minimum.",
      ),
    minimumHostMemoryMib: z.number().int().nonnegative().optional().describe("Host memory (MiB) the model needs, when measured."),
    gpuMemory: makeGpuMemory(mode).optional(),
  }).describe("Infrastructure needs: operating systems, CPU architectures and memory.");
}

export type Infrastructure = z.output<ReturnType<typeof makeInfrastructure<"authoring">>>;
