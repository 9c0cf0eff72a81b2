// Entries turned into a store document that an unmodified FIAB of one contract version reads.
import type { Configuration, Entry } from "../contract/index.ts";
import { configurationKeys } from "./configuration-keys.ts";
import type { FiabArtifact, FiabConfiguration, FiabContract, FiabFields, StoreDocument } from "./store-contract.ts";

export interface ViewExclusion {
  id: string;
  missing: string[];
}

export interface StoreExport {
  store: StoreDocument;
  excluded: ViewExclusion[];
}

function exportConfiguration(config: Configuration): FiabConfiguration | undefined {
  const out: Record<string, unknown> = {};
  for (const [fiabKey, entryKey] of configurationKeys) if (config[entryKey] !== undefined) out[fiabKey] = config[entryKey];
  // A configuration holding only registry-side keys (e.g. ensemble) is not FIAB's business.
  if (Object.keys(out).length === 0 && Object.keys(config).length > 0) return undefined;
  return out as FiabFields["configuration"];
}

/** FIAB's fields of an entry, or the entry paths a view needs and the entry lacks. */
export function fiabFieldsOf(entry: Entry): { fields: FiabFields } | { missing: string[] } {
  const required = {
    "source.sizeBytes": entry.source.sizeBytes,
    "infrastructure.supportedOs": entry.infrastructure?.supportedOs,
    "requirements.pipConstraints": entry.requirements?.pipConstraints,
    "inputs.characteristics": entry.inputs?.characteristics,
    "inputs.qube": entry.inputs?.qube,
    "outputs.qube": entry.outputs?.qube,
    "model.timestep": entry.model?.timestep,
  };
  const missing = Object.entries(required).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0) return { missing };
  const configuration = entry.configuration ? exportConfiguration(entry.configuration) : undefined;
  const gpu = entry.infrastructure?.minimumGpuMemoryMib;
  return {
    fields: {
      url: entry.source.url,
      display_name: entry.display.name,
      display_author: entry.display.author,
      display_description: entry.display.description,
      ...(entry.display.comment !== undefined ? { comment: entry.display.comment } : {}),
      ...(entry.tags !== undefined ? { tags: entry.tags } : {}),
      disk_size_bytes: entry.source.sizeBytes!,
      // Authoring entries hold only known values; "unknown" exists for tolerant readers alone.
      supported_platforms: entry.infrastructure!.supportedOs! as Array<"linux" | "macos">,
      ...(gpu !== undefined ? { minimum_gpu_memory_mib: gpu } : {}),
      pip_package_constraints: entry.requirements!.pipConstraints!,
      input_characteristics: entry.inputs!.characteristics!,
      input_qube: entry.inputs!.qube as Record<string, unknown>,
      output_qube: entry.outputs!.qube as Record<string, unknown>,
      ...(configuration !== undefined ? { configuration } : {}),
      timestep: entry.model!.timestep!,
    },
  };
}

function toArtifact(f: FiabFields, contract: FiabContract): FiabArtifact {
  const { tags, minimum_gpu_memory_mib, configuration, comment, ...rest } = f;
  const common = {
    url: rest.url,
    display_name: rest.display_name,
    display_author: rest.display_author,
    display_description: rest.display_description,
    ...(comment !== undefined ? { comment } : {}),
    disk_size_bytes: rest.disk_size_bytes,
    supported_platforms: rest.supported_platforms,
  };
  const specific = {
    ...(minimum_gpu_memory_mib !== undefined ? { minimum_gpu_memory_mib } : {}),
    pip_package_constraints: rest.pip_package_constraints,
    input_characteristics: rest.input_characteristics,
    input_qube: rest.input_qube,
    output_qube: rest.output_qube,
    ...(configuration !== undefined ? { configuration } : {}),
    timestep: rest.timestep,
  };
  // core-1 predates tags: its store_info forbids the key.
  if (contract === "core-1") return { artifact_type: "AnemoiCheckpoint", store_info: { ...common, ...specific } };
  return { artifact_type: "AnemoiCheckpoint", common: { ...common, ...(tags !== undefined ? { tags } : {}) }, specific };
}

export function exportStore(
  entries: ReadonlyArray<{ id: string; entry: Entry }>,
  contract: FiabContract,
  displayName: string,
): StoreExport {
  const artifacts: Record<string, FiabArtifact> = {};
  const excluded: ViewExclusion[] = [];
  for (const { id, entry } of entries) {
    const result = fiabFieldsOf(entry);
    if ("missing" in result) excluded.push({ id, missing: result.missing });
    else artifacts[id] = toArtifact(result.fields, contract);
  }
  return { store: { display_name: displayName, artifacts }, excluded };
}
