// What the machine running the model must offer, as declared by hand or measured.
import { z } from "zod";
import { object, oneOf, type Mode } from "./mode.ts";

export const operatingSystems = ["linux", "macos"] as const;
export type OperatingSystem = (typeof operatingSystems)[number];

/** CPU architectures by their Linux names; Apple silicon is aarch64 (macOS calls it arm64). */
export const cpuArchitectures = ["x86_64", "aarch64"] as const;
export type CpuArchitecture = (typeof cpuArchitectures)[number];

export function makeInfrastructure<M extends Mode>(mode: M) {
  return object(mode, {
    supportedOs: z
      .array(oneOf(mode, operatingSystems, "An operating system FIAB may run the model on."))
      .optional()
      .describe("Operating systems FIAB offers the model on (FIAB's supported_platforms)."),
    architectures: z
      .array(oneOf(mode, cpuArchitectures, "A CPU architecture."))
      .optional()
      .describe("CPU architectures this variant runs on, when its requirements restrict them (e.g. an aarch64 flash-attn wheel); absent: not restricted by any platform-specific wheel. Apple silicon (arm64) is aarch64."),
    minimumGpuMemoryMib: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .optional()
      .describe("GPU memory (MiB) the model needs; on macOS the unified memory (FIAB's minimum_gpu_memory_mib). null: no minimum."),
    minimumHostMemoryMib: z.number().int().nonnegative().optional().describe("Host memory (MiB) the model needs, when measured."),
  }).describe("Infrastructure needs: operating systems, CPU architectures and memory.");
}

export type Infrastructure = z.output<ReturnType<typeof makeInfrastructure<"authoring">>>;
