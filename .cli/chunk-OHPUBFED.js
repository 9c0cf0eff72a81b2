import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  external_exports
} from "./chunk-STXQ2W3N.js";

// src/fiab/store-contract.ts
var configuration = external_exports.strictObject({
  pre_processors: external_exports.array(external_exports.record(external_exports.string(), external_exports.unknown())).optional(),
  post_processors: external_exports.array(external_exports.record(external_exports.string(), external_exports.unknown())).optional(),
  control_options: external_exports.record(external_exports.string(), external_exports.unknown()).nullable().optional(),
  input_options: external_exports.union([external_exports.record(external_exports.string(), external_exports.unknown()), external_exports.array(external_exports.record(external_exports.string(), external_exports.unknown()))]).nullable().optional(),
  nested_model: external_exports.boolean().optional(),
  region_of_interest: external_exports.string().nullable().optional()
});
var qube = external_exports.record(external_exports.string(), external_exports.unknown());
var commonFields = {
  url: external_exports.string(),
  display_name: external_exports.string(),
  display_author: external_exports.string(),
  display_description: external_exports.string(),
  comment: external_exports.string().optional(),
  disk_size_bytes: external_exports.number().int(),
  supported_platforms: external_exports.array(external_exports.enum(["linux", "macos"]))
};
var specificFields = {
  minimum_gpu_memory_mib: external_exports.number().int().nullable().optional(),
  pip_package_constraints: external_exports.array(external_exports.string()),
  input_characteristics: external_exports.array(external_exports.string()),
  input_qube: qube,
  output_qube: qube,
  configuration: configuration.optional(),
  timestep: external_exports.string()
};
var core1Artifact = external_exports.strictObject({
  artifact_type: external_exports.literal("AnemoiCheckpoint"),
  store_info: external_exports.strictObject({ ...commonFields, ...specificFields })
});
var core2Artifact = external_exports.strictObject({
  artifact_type: external_exports.literal("AnemoiCheckpoint"),
  common: external_exports.strictObject({ ...commonFields, tags: external_exports.record(external_exports.string(), external_exports.string().nullable()).optional() }),
  specific: external_exports.strictObject(specificFields)
});
var fiabContracts = ["core-1", "core-2"];
var storeDocument = external_exports.strictObject({
  display_name: external_exports.string(),
  artifacts: external_exports.record(external_exports.string(), external_exports.union([core2Artifact, core1Artifact]))
});
var allFields = external_exports.strictObject({ ...commonFields, ...specificFields, tags: external_exports.record(external_exports.string(), external_exports.string().nullable()).optional() });

export {
  fiabContracts,
  storeDocument
};
