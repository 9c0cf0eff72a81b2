// Compatibility per platform: the evidence, and a status derived from it by a numbered rule. The rule is
// versioned so that a later, different rule can re-derive every status from the stored evidence.
import { z } from "zod";
import { makeEvidence } from "./evidence.ts";
import { object, oneOf, type Mode } from "./mode.ts";

export const compatibilityStatuses = ["unknown", "compatible", "degraded", "incompatible"] as const;
export type CompatibilityStatus = (typeof compatibilityStatuses)[number];

export const platformKeyPattern = /^[a-z0-9]+(-[a-z0-9_.]+)*$/;

export function makeCompatibility<M extends Mode>(mode: M) {
  const platform = object(mode, {
    status: oneOf(mode, compatibilityStatuses, "Status derived from the evidence by the rule named in statusRule.").default("unknown"),
    statusRule: z.number().int().positive().describe("Number of the rule that derived the status from the evidence (see the contract page)."),
    evidence: z.array(makeEvidence(mode)).describe("Checks run on this platform, oldest first."),
  }).describe("Compatibility of the checkpoint with one platform.");

  return z
    .record(
      z
        .string()
        .regex(platformKeyPattern, 'a lowercase platform key such as "linux-x86_64-cuda"')
        .describe('A platform: os-arch-accelerator, e.g. "linux-x86_64-cuda", "linux-aarch64-cuda", "macos-arm64-mps", "linux-x86_64-cpu". Open-ended.'),
      platform,
    )
    .describe('Compatibility per platform. A platform without a key here is "unknown".');
}

/** One platform's status and evidence. */
export type PlatformCompatibility = Compatibility[string];
export type Compatibility = z.output<ReturnType<typeof makeCompatibility<"authoring">>>;
