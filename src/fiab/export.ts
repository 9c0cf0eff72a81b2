// Entries turned into a store document that an unmodified FIAB of one contract version reads.
import type { Configuration, Entry } from "../contract/index.ts";
import { canonicalTimestep } from "../contract/duration.ts";
import { shellQuote } from "../text/shell-quote.ts";
import { configurationKeys } from "./configuration-keys.ts";
import { runtimeProblems } from "./runtime-rules.ts";
import type { FiabArtifact, FiabConfiguration, FiabContract, FiabFields, StoreDocument } from "./store-contract.ts";

/** Why a view leaves an entry out: the entry field at fault, what is wrong, and what fixes it. */
export interface ViewGap {
  path: string;
  message: string;
  fix: string;
}

export interface ViewExclusion {
  id: string;
  /** Entry paths of the fields at fault. */
  missing: string[];
  gaps: ViewGap[];
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

const readCommand = (url: string) => `npm run -s registry -- extract-basic-metadata ${shellQuote(url)} --write`;

/** What fills each field a view needs, for the warning that says the entry is left out. */
function fixFor(path: string, entry: Entry): string {
  const read = readCommand(entry.source.url);
  switch (path) {
    case "source.sizeBytes":
      return `run \`${read}\` (it records the file's size), or write source.sizeBytes`;
    case "infrastructure.supportedOs":
      return `write infrastructure.supportedOs (["linux", "macos"], or ["linux"] for a flash-attention build), or run \`${read}\``;
    case "requirements.pipConstraints":
      return `run \`${read}\` (it pins them from the training provenance), or write requirements.pipConstraints`;
    default:
      return `run \`${read}\`, which reads it from the checkpoint`;
  }
}

/** The entry path of a FIAB field, e.g. specific.pip_package_constraints[2] -> requirements.pipConstraints[2]. */
function entryPathOf(field: string): string {
  const rules: Array<[RegExp, string]> = [
    [/^specific\.timestep/, "model.timestep"],
    [/^specific\.pip_package_constraints/, "requirements.pipConstraints"],
    [/^specific\.input_qube/, "inputs.qube"],
    [/^specific\.output_qube/, "outputs.qube"],
    ...configurationKeys.map(([fiabKey, entryKey]): [RegExp, string] => [new RegExp(`^specific\\.configuration\\.${fiabKey}`), `configuration.${entryKey}`]),
  ];
  for (const [pattern, path] of rules) if (pattern.test(field)) return field.replace(pattern, path);
  return field;
}

type Present<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/** Whether every field is there: narrows each one's type to exclude undefined. */
function allPresent<T extends object>(fields: T): fields is Present<T> {
  return Object.values(fields).every((v) => v !== undefined);
}

/** FIAB's fields of an entry, or why its views leave it out: fields missing, or values FIAB's runtime raises on. */
export function fiabFieldsOf(entry: Entry): { fields: FiabFields } | { missing: string[]; gaps: ViewGap[] } {
  const required = {
    "source.sizeBytes": entry.source.sizeBytes,
    "infrastructure.supportedOs": entry.infrastructure?.supportedOs,
    "requirements.pipConstraints": entry.requirements?.pipConstraints,
    "inputs.characteristics": entry.inputs?.characteristics,
    "inputs.qube": entry.inputs?.qube,
    "outputs.qube": entry.outputs?.qube,
    "model.timestep": entry.model?.timestep,
  };
  if (!allPresent(required)) {
    const missing = Object.entries(required)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    return { missing, gaps: missing.map((path) => ({ path, message: "missing", fix: fixFor(path, entry) })) };
  }
  const configuration = entry.configuration ? exportConfiguration(entry.configuration) : undefined;
  const gpu = entry.infrastructure?.minimumGpuMemoryMib;
  // Views publish the one-unit form FIAB's runtime parses, also for an entry still written "1d".
  const timestep = canonicalTimestep(required["model.timestep"]) ?? required["model.timestep"];
  const fields: FiabFields = {
    url: entry.source.url,
    display_name: entry.display.name,
    display_author: entry.display.author,
    display_description: entry.display.description,
    ...(entry.display.comment !== undefined ? { comment: entry.display.comment } : {}),
    ...(entry.tags !== undefined ? { tags: entry.tags } : {}),
    disk_size_bytes: required["source.sizeBytes"],
    supported_platforms: required["infrastructure.supportedOs"],
    ...(gpu !== undefined ? { minimum_gpu_memory_mib: gpu } : {}),
    pip_package_constraints: required["requirements.pipConstraints"],
    input_characteristics: required["inputs.characteristics"],
    input_qube: required["inputs.qube"],
    output_qube: required["outputs.qube"],
    ...(configuration !== undefined ? { configuration } : {}),
    timestep,
  };
  const problems = runtimeProblems(fields);
  if (problems.length === 0) return { fields };
  const gaps = problems.map((p) => {
    const path = entryPathOf(p.field);
    return { path, message: `${p.message}: FIAB would fail to run it`, fix: p.fix ?? `correct ${path} in the entry` };
  });
  return { missing: gaps.map((g) => g.path), gaps };
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

export function exportStore(entries: ReadonlyArray<{ id: string; entry: Entry }>, contract: FiabContract, displayName: string): StoreExport {
  const artifacts: Record<string, FiabArtifact> = {};
  const excluded: ViewExclusion[] = [];
  for (const { id, entry } of entries) {
    const result = fiabFieldsOf(entry);
    if ("missing" in result) excluded.push({ id, missing: result.missing, gaps: result.gaps });
    else artifacts[id] = toArtifact(result.fields, contract);
  }
  return { store: { display_name: displayName, artifacts }, excluded };
}
