import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  configurationKeys
} from "./chunk-QTIEB3S7.js";
import {
  schemaPath
} from "./chunk-STXQ2W3N.js";

// src/fiab/import-store.ts
var entrySchemaReference = `..${schemaPath("authoring")}`;
function artifactFields(artifact) {
  return "store_info" in artifact ? artifact.store_info : { ...artifact.common, ...artifact.specific };
}
function importConfiguration(config) {
  const out = {};
  for (const [fiabKey, entryKey] of configurationKeys) if (fiabKey in config) out[entryKey] = config[fiabKey];
  return out;
}
function entryFromArtifact(fields, existing) {
  const e = existing;
  const comment = fields.comment ?? e?.display.comment;
  const tags = fields.tags ?? e?.tags;
  const configuration = fields.configuration ? { ...e?.configuration, ...importConfiguration(fields.configuration) } : e?.configuration;
  const gpu = "minimum_gpu_memory_mib" in fields ? fields.minimum_gpu_memory_mib : e?.infrastructure?.minimumGpuMemoryMib;
  const entry = {
    $schema: e?.$schema ?? entrySchemaReference,
    schemaVersion: 1,
    display: {
      name: fields.display_name,
      author: fields.display_author,
      description: fields.display_description,
      ...comment !== void 0 ? { comment } : {}
    },
    ...tags !== void 0 ? { tags } : {},
    source: { ...e?.source, url: fields.url, sizeBytes: fields.disk_size_bytes },
    ...e?.variants ? { variants: e.variants } : {},
    model: { ...e?.model, timestep: fields.timestep },
    requirements: { ...e?.requirements, pipConstraints: fields.pip_package_constraints },
    ...configuration !== void 0 ? { configuration } : {},
    infrastructure: {
      ...e?.infrastructure,
      supportedOs: fields.supported_platforms,
      ...gpu !== void 0 ? { minimumGpuMemoryMib: gpu } : {}
    },
    ...e?.compatibility ? { compatibility: e.compatibility } : {},
    inputs: { ...e?.inputs, characteristics: fields.input_characteristics, qube: fields.input_qube },
    outputs: { ...e?.outputs, qube: fields.output_qube },
    ...e?.provenance ? { provenance: e.provenance } : {},
    ...e?.pickle ? { pickle: e.pickle } : {}
  };
  return entry;
}
function findVariants(fields) {
  const parent = new Map([...fields.keys()].map((id) => [id, id]));
  const root = (id) => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r);
    return r;
  };
  const firstByKey = /* @__PURE__ */ new Map();
  for (const [id, f] of fields) {
    for (const key of [`url ${f.url}`, `model ${f.display_name}\0${f.disk_size_bytes}`]) {
      const first = firstByKey.get(key);
      if (first === void 0) firstByKey.set(key, id);
      else parent.set(root(id), root(first));
    }
  }
  const groups = /* @__PURE__ */ new Map();
  for (const id of fields.keys()) groups.set(root(id), [...groups.get(root(id)) ?? [], id]);
  const variants = /* @__PURE__ */ new Map();
  for (const group of groups.values()) {
    for (const id of group) variants.set(id, group.filter((other) => other !== id).sort());
  }
  return variants;
}

export {
  entrySchemaReference,
  artifactFields,
  entryFromArtifact,
  findVariants
};
