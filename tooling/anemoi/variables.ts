// The variables a model reads and writes, with their role and MARS keys, from single-dataset (unversioned
// and 1.0) and multi-dataset (2.0) metadata, following anemoi-inference's reading of the same fields.
import type { Variable, VariableCategory } from "../../src/contract/index.ts";
import { at, ints, obj, str, strings, type Json } from "./json-access.ts";

export type { Variable };
type Category = VariableCategory;

export interface DatasetVariables {
  dataset: string;
  inputs: Variable[];
  outputs: Variable[];
}

/** Forcings anemoi computes from time and position; in files without variables_metadata. */
const computedForcings = new Set([
  "cos_latitude",
  "cos_longitude",
  "sin_latitude",
  "sin_longitude",
  "cos_julian_day",
  "cos_local_time",
  "sin_julian_day",
  "sin_local_time",
  "insolation",
  "cos_solar_zenith_angle",
]);
/** Fields constant in time, for files without variables_metadata. */
const constantFields = new Set(["lsm", "z", "sdor", "slor", "orog", "slt", "cl", "cvh", "cvl"]);

interface MarsKeys {
  param?: string;
  levtype?: string;
  level?: number;
}

function marsKeys(name: string, metadata: Record<string, Json> | undefined, warn: (message: string) => void): MarsKeys | undefined {
  if (metadata) {
    if (metadata.computed_forcing === true) return undefined;
    const mars = obj(metadata.mars);
    if (!mars) return undefined;
    const level =
      typeof mars.levelist === "number" ? mars.levelist : typeof mars.levelist === "string" && /^\d+$/.test(mars.levelist) ? Number(mars.levelist) : undefined;
    const keys: MarsKeys = {};
    if (str(mars.param)) keys.param = str(mars.param)!;
    if (str(mars.levtype)) keys.levtype = str(mars.levtype)!;
    if (level !== undefined && keys.levtype !== "sfc") keys.level = level;
    if (!keys.param) warn(`variable ${name}: mars keys without a param`);
    return keys;
  }
  if (computedForcings.has(name)) return undefined;
  // Old files carry no MARS keys; anemoi names pressure-level fields <param>_<level>.
  const match = /^(.+)_(\d+)$/.exec(name);
  return match ? { param: match[1]!, levtype: "pl", level: Number(match[2]) } : { param: name, levtype: "sfc" };
}

function categoryOf(name: string, role: Role, metadata: Record<string, Json> | undefined): Category {
  if (role !== "forcing") return role;
  const computed = metadata ? metadata.computed_forcing === true : computedForcings.has(name);
  if (computed) return "computed";
  const constant = metadata ? metadata.constant_in_time === true : constantFields.has(name);
  return constant ? "constant" : "forcing";
}

function makeVariable(
  name: string,
  role: Role,
  dataset: string | undefined,
  variablesMetadata: Record<string, Json> | undefined,
  warn: (m: string) => void,
): Variable {
  const metadata = variablesMetadata ? obj(variablesMetadata[name]) : undefined;
  const keys = marsKeys(name, metadata, warn);
  return { name, category: categoryOf(name, role, metadata), ...(dataset ? { dataset } : {}), ...keys };
}

type Role = "forcing" | "diagnostic" | "prognostic";

function roleOf(name: string, forcing: ReadonlySet<string>, diagnostic: ReadonlySet<string>): Role {
  return forcing.has(name) ? "forcing" : diagnostic.has(name) ? "diagnostic" : "prognostic";
}

function names(indices: number[] | undefined, variables: string[], what: string, warn: (m: string) => void): string[] {
  if (!indices) return [];
  const out: string[] = [];
  for (const i of indices) {
    const name = variables[i];
    if (name === undefined) warn(`${what}: index ${i} is outside the ${variables.length} dataset variables`);
    else out.push(name);
  }
  return out;
}

/** Single-dataset metadata: data_indices.data.{input,output} index into dataset.variables. */
export function singleDatasetVariables(meta: Json, warn: (m: string) => void): DatasetVariables | undefined {
  const variables = strings(at(meta, "dataset", "variables"));
  const input = obj(at(meta, "data_indices", "data", "input"));
  const output = obj(at(meta, "data_indices", "data", "output"));
  if (!variables || !input) {
    warn("no dataset.variables or data_indices.data.input: variables unknown");
    return undefined;
  }
  const vm = obj(at(meta, "dataset", "variables_metadata"));
  if (!vm) warn("no dataset.variables_metadata: MARS keys guessed from variable names");
  const forcing = new Set(strings(at(meta, "config", "data", "forcing")) ?? names(ints(input.forcing), variables, "forcing", warn));
  const diagnostic = new Set(names(ints(input.diagnostic), variables, "diagnostic", warn));
  const inputNames = names(ints(input.full), variables, "data_indices.data.input.full", warn);
  const outputNames = names(ints(output?.full), variables, "data_indices.data.output.full", warn);
  const role = (name: string) => roleOf(name, forcing, diagnostic);
  return {
    dataset: "data",
    inputs: inputNames.map((n) => makeVariable(n, role(n), undefined, vm, warn)),
    outputs: outputNames.filter((n) => !forcing.has(n)).map((n) => makeVariable(n, role(n), undefined, vm, warn)),
  };
}

/** Multi-dataset (2.0) metadata: metadata_inference.<dataset> names inputs, outputs and their types. */
export function multiDatasetVariables(meta: Json, dataset: string, nested: boolean, warn: (m: string) => void): DatasetVariables | undefined {
  const info = obj(at(meta, "metadata_inference", dataset));
  const inputIndex = obj(at(info, "data_indices", "input"));
  const outputIndex = obj(at(info, "data_indices", "output"));
  if (!info || !inputIndex) {
    warn(`dataset ${dataset}: no metadata_inference.${dataset}.data_indices.input: variables unknown`);
    return undefined;
  }
  const types = obj(info.variable_types) ?? {};
  const forcing = new Set(strings(types.forcing) ?? []);
  const diagnostic = new Set(strings(types.diagnostic) ?? []);
  const vm = obj(at(meta, "dataset", dataset, "variables_metadata"));
  if (!vm) warn(`dataset ${dataset}: no variables_metadata: MARS keys guessed from variable names`);
  const byIndex = (index: Record<string, Json>) =>
    Object.entries(index)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map(([n]) => n);
  const role = (name: string) => roleOf(name, forcing, diagnostic);
  const label = nested ? dataset : undefined;
  return {
    dataset,
    inputs: byIndex(inputIndex).map((n) => makeVariable(n, role(n), label, vm, warn)),
    outputs: byIndex(outputIndex ?? {})
      .filter((n) => !forcing.has(n))
      .map((n) => makeVariable(n, role(n), label, vm, warn)),
  };
}
