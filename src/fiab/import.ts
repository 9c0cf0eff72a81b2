// FIAB store artifacts (core-1 `store_info` or core-2 `common`/`specific`) turned into entries, losing nothing.
import type { Configuration, Entry, Qube } from "../contract/index.ts";
import { schemaPath, schemaVersion } from "../contract/constants.ts";
import { canonicalTimestep } from "../contract/duration.ts";
import { configurationKeys } from "./configuration-keys.ts";
import type { FiabArtifact, FiabConfiguration, FiabFields } from "./store-contract.ts";
import { byCodePoint } from "../text/code-point-order.ts";

/** `$schema` written into entries: the committed schema, relative to entries/. */
export const entrySchemaReference = `..${schemaPath("authoring")}`;

export function artifactFields(artifact: FiabArtifact): FiabFields {
  return "store_info" in artifact ? artifact.store_info : { ...artifact.common, ...artifact.specific };
}

function importConfiguration(config: FiabConfiguration): Configuration {
  const out: Record<string, unknown> = {};
  for (const [fiabKey, entryKey] of configurationKeys) if (fiabKey in config) out[entryKey] = config[fiabKey];
  return out as Configuration;
}

/**
 * The entry for one artifact. `existing` (the entry already in entries/, if any) keeps everything the
 * store does not describe: provenance, compatibility, variants, and optional fields the store leaves out.
 */
export function entryFromArtifact(fields: FiabFields, existing?: Entry): Entry {
  const e = existing;
  const comment = fields.comment ?? e?.display.comment;
  const tags = fields.tags ?? e?.tags;
  const configuration = fields.configuration ? { ...e?.configuration, ...importConfiguration(fields.configuration) } : e?.configuration;
  const gpu = "minimum_gpu_memory_mib" in fields ? fields.minimum_gpu_memory_mib : e?.infrastructure?.minimumGpuMemoryMib;
  const entry: Entry = {
    $schema: e?.$schema ?? entrySchemaReference,
    schemaVersion,
    display: {
      name: fields.display_name,
      author: fields.display_author,
      // FIAB's stores leave descriptions empty: an empty one does not erase the entry's sourced description.
      description: fields.display_description || (e?.display.description ?? ""),
      ...(comment !== undefined ? { comment } : {}),
    },
    ...(tags !== undefined ? { tags } : {}),
    source: { ...e?.source, url: fields.url, sizeBytes: fields.disk_size_bytes },
    ...(e?.variants ? { variants: e.variants } : {}),
    // A store's "1d" is read, and written the way FIAB's runtime parses it ("24h").
    model: { ...e?.model, timestep: canonicalTimestep(fields.timestep) ?? fields.timestep },
    requirements: { ...e?.requirements, pipConstraints: fields.pip_package_constraints },
    ...(configuration !== undefined ? { configuration } : {}),
    infrastructure: {
      ...e?.infrastructure,
      supportedOs: fields.supported_platforms,
      ...(gpu !== undefined ? { minimumGpuMemoryMib: gpu } : {}),
    },
    ...(e?.compatibility ? { compatibility: e.compatibility } : {}),
    inputs: { ...e?.inputs, characteristics: fields.input_characteristics, qube: fields.input_qube as Qube },
    outputs: { ...e?.outputs, qube: fields.output_qube as Qube },
    ...(e?.provenance ? { provenance: e.provenance } : {}),
    ...(e?.pickle ? { pickle: e.pickle } : {}),
  };
  return entry;
}

/**
 * Groups artifacts that are variants of one checkpoint file: the same URL, or the same model name and
 * file size (FIAB publishes SDPA builds under their own URL). Returns each id's variant ids.
 */
export function findVariants(fields: ReadonlyMap<string, FiabFields>): Map<string, string[]> {
  const parent = new Map<string, string>([...fields.keys()].map((id) => [id, id]));
  const root = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const firstByKey = new Map<string, string>();
  for (const [id, f] of fields) {
    for (const key of [`url ${f.url}`, `model ${f.display_name}\u0000${f.disk_size_bytes}`]) {
      const first = firstByKey.get(key);
      if (first === undefined) firstByKey.set(key, id);
      else parent.set(root(id), root(first));
    }
  }
  const groups = new Map<string, string[]>();
  for (const id of fields.keys()) groups.set(root(id), [...(groups.get(root(id)) ?? []), id]);
  const variants = new Map<string, string[]>();
  for (const group of groups.values()) {
    for (const id of group) variants.set(id, group.filter((other) => other !== id).sort(byCodePoint));
  }
  return variants;
}
