import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  requireEntriesDir
} from "./chunk-3UJG5KLM.js";
import {
  fiabContracts
} from "./chunk-OHPUBFED.js";
import {
  configurationKeys
} from "./chunk-QTIEB3S7.js";
import {
  loadValidEntries
} from "./chunk-23KZQN2E.js";
import "./chunk-PIT64DJA.js";
import "./chunk-32NUYPAV.js";
import {
  CliError,
  defineCommand,
  entriesOption
} from "./chunk-STXQ2W3N.js";

// src/fiab/export-store.ts
function exportConfiguration(config) {
  const out = {};
  for (const [fiabKey, entryKey] of configurationKeys) if (config[entryKey] !== void 0) out[fiabKey] = config[entryKey];
  if (Object.keys(out).length === 0 && Object.keys(config).length > 0) return void 0;
  return out;
}
function fiabFieldsOf(entry) {
  const required = {
    "source.sizeBytes": entry.source.sizeBytes,
    "infrastructure.supportedOs": entry.infrastructure?.supportedOs,
    "requirements.pipConstraints": entry.requirements?.pipConstraints,
    "inputs.characteristics": entry.inputs?.characteristics,
    "inputs.qube": entry.inputs?.qube,
    "outputs.qube": entry.outputs?.qube,
    "model.timestep": entry.model?.timestep
  };
  const missing = Object.entries(required).filter(([, v]) => v === void 0).map(([k]) => k);
  if (missing.length > 0) return { missing };
  const configuration = entry.configuration ? exportConfiguration(entry.configuration) : void 0;
  const gpu = entry.infrastructure?.minimumGpuMemoryMib;
  return {
    fields: {
      url: entry.source.url,
      display_name: entry.display.name,
      display_author: entry.display.author,
      display_description: entry.display.description,
      ...entry.display.comment !== void 0 ? { comment: entry.display.comment } : {},
      ...entry.tags !== void 0 ? { tags: entry.tags } : {},
      disk_size_bytes: entry.source.sizeBytes,
      // Authoring entries hold only known values; "unknown" exists for tolerant readers alone.
      supported_platforms: entry.infrastructure.supportedOs,
      ...gpu !== void 0 ? { minimum_gpu_memory_mib: gpu } : {},
      pip_package_constraints: entry.requirements.pipConstraints,
      input_characteristics: entry.inputs.characteristics,
      input_qube: entry.inputs.qube,
      output_qube: entry.outputs.qube,
      ...configuration !== void 0 ? { configuration } : {},
      timestep: entry.model.timestep
    }
  };
}
function toArtifact(f, contract) {
  const { tags, minimum_gpu_memory_mib, configuration, comment, ...rest } = f;
  const common = {
    url: rest.url,
    display_name: rest.display_name,
    display_author: rest.display_author,
    display_description: rest.display_description,
    ...comment !== void 0 ? { comment } : {},
    disk_size_bytes: rest.disk_size_bytes,
    supported_platforms: rest.supported_platforms
  };
  const specific = {
    ...minimum_gpu_memory_mib !== void 0 ? { minimum_gpu_memory_mib } : {},
    pip_package_constraints: rest.pip_package_constraints,
    input_characteristics: rest.input_characteristics,
    input_qube: rest.input_qube,
    output_qube: rest.output_qube,
    ...configuration !== void 0 ? { configuration } : {},
    timestep: rest.timestep
  };
  if (contract === "core-1") return { artifact_type: "AnemoiCheckpoint", store_info: { ...common, ...specific } };
  return { artifact_type: "AnemoiCheckpoint", common: { ...common, ...tags !== void 0 ? { tags } : {} }, specific };
}
function exportStore(entries, contract, displayName) {
  const artifacts = {};
  const excluded = [];
  for (const { id, entry } of entries) {
    const result = fiabFieldsOf(entry);
    if ("missing" in result) excluded.push({ id, missing: result.missing });
    else artifacts[id] = toArtifact(result.fields, contract);
  }
  return { store: { display_name: displayName, artifacts }, excluded };
}

// src/registry/site.ts
var site = {
  title: "FIAB model registry",
  /** display_name of the published FIAB store views. */
  storeDisplayName: "ECMWF Artifact Store"
};

// tooling/commands/export-fiab-store.ts
var export_fiab_store_default = defineCommand({
  name: "export-fiab-store",
  summary: "Print the FIAB store document (core-1 or core-2) that an unmodified FIAB reads.",
  description: "Entries that lack a field the contract version requires are left out, with a warning naming them and the\nfields. The document goes to stdout as JSON.",
  options: {
    contract: { type: "string", valueName: "core-1|core-2", description: "FIAB store contract version", default: "core-2" },
    "display-name": { type: "string", valueName: "NAME", description: "the store's display_name", default: site.storeDisplayName },
    entries: entriesOption
  },
  examples: ["npm run -s registry -- export-fiab-store --contract core-1 > artifacts.json"],
  async run({ options, out, log }) {
    const contract = options.contract;
    if (!fiabContracts.includes(contract)) {
      throw new CliError(`--contract must be one of ${fiabContracts.join(", ")}, got "${contract}"`, 2);
    }
    const entries = await loadValidEntries(await requireEntriesDir(options.entries));
    const { store, excluded } = exportStore(entries, contract, options["display-name"]);
    for (const x of excluded) log(`export-fiab-store: ${x.id} left out of the ${contract} view: missing ${x.missing.join(", ")}`);
    out(JSON.stringify(store, null, 2));
    return 0;
  }
});
export {
  export_fiab_store_default as default
};
