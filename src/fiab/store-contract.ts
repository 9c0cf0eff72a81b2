// FIAB's own store contract, per fiab-core version: exactly the fields an unmodified FIAB accepts
// (its pydantic models forbid unknown keys). Used to read stores on import and to check exports.
import { z } from "zod";

const configuration = z.strictObject({
  pre_processors: z.array(z.record(z.string(), z.unknown())).optional(),
  post_processors: z.array(z.record(z.string(), z.unknown())).optional(),
  control_options: z.record(z.string(), z.unknown()).nullable().optional(),
  input_options: z
    .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
    .nullable()
    .optional(),
  nested_model: z.boolean().optional(),
  region_of_interest: z.string().nullable().optional(),
});

const qube = z.record(z.string(), z.unknown());

const commonFields = {
  url: z.string(),
  display_name: z.string(),
  display_author: z.string(),
  display_description: z.string(),
  comment: z.string().optional(),
  disk_size_bytes: z.number().int(),
  supported_platforms: z.array(z.enum(["linux", "macos"])),
};

const specificFields = {
  minimum_gpu_memory_mib: z.number().int().nullable().optional(),
  pip_package_constraints: z.array(z.string()),
  input_characteristics: z.array(z.string()),
  input_qube: qube,
  output_qube: qube,
  configuration: configuration.optional(),
  timestep: z.string(),
};

export const core1Artifact = z.strictObject({
  artifact_type: z.literal("AnemoiCheckpoint"),
  store_info: z.strictObject({ ...commonFields, ...specificFields }),
});

export const core2Artifact = z.strictObject({
  artifact_type: z.literal("AnemoiCheckpoint"),
  common: z.strictObject({ ...commonFields, tags: z.record(z.string(), z.string().nullable()).optional() }),
  specific: z.strictObject(specificFields),
});

export const fiabContracts = ["core-1", "core-2"] as const;
export type FiabContract = (typeof fiabContracts)[number];

export const storeDocument = z.strictObject({
  display_name: z.string(),
  artifacts: z.record(z.string(), z.union([core2Artifact, core1Artifact])),
});

export type Core1Artifact = z.output<typeof core1Artifact>;
export type Core2Artifact = z.output<typeof core2Artifact>;
export type FiabArtifact = Core1Artifact | Core2Artifact;
export type StoreDocument = { display_name: string; artifacts: Record<string, FiabArtifact> };
export type FiabConfiguration = z.output<typeof configuration>;
const allFields = z.strictObject({ ...commonFields, ...specificFields, tags: z.record(z.string(), z.string().nullable()).optional() });
/** The fields of an artifact, whichever contract shape it came in. */
export type FiabFields = z.output<typeof allFields>;
