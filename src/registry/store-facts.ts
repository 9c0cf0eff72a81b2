// Facts a FIAB store holds without naming them, filled into the entries it imports: the CPU architectures
// and Python versions its wheels are built for, the grids, areas and domains of a nested model's inputs
// (input_options, region_of_interest), and ensemble output (the ensemble_number characteristic).
// Facts already in an entry (read from the checkpoint, or written by hand) are kept.
import type { Dataset, Entry } from "../contract/index.ts";
import type { FiabFields } from "../fiab/store-contract.ts";
import { datasetDomain } from "../geo/domain.ts";
import { gridResolutionKm } from "../geo/grid-names.ts";
import { wheelRestrictions } from "../platform/wheel-tags.ts";
import { isJsonObject as isObject, type JsonObject } from "../text/json-object.ts";

type Json = JsonObject;

/** input_options is one object keyed by source, or a list of such objects. */
function inputSources(options: unknown): Array<[string, Json]> {
  const blocks = Array.isArray(options) ? options : [options];
  return blocks.filter(isObject).flatMap((block) => Object.entries(block).filter((pair): pair is [string, Json] => isObject(pair[1])));
}

/** The regrid pre-processor of a source: what grid (and area) the model gets its input on. */
function regridOf(source: Json): Json | undefined {
  const processors = Array.isArray(source["pre_processors"]) ? source["pre_processors"] : [];
  return processors
    .filter(isObject)
    .map((p) => p["regrid"])
    .find(isObject);
}

function datasetOf(name: string, source: Json, regionOfInterest: string | undefined, nested: boolean): Dataset | undefined {
  const regrid = regridOf(source);
  const target = regrid ? regrid["grid"] : source["grid"];
  // "checkpoint:<name>" means "the grid the checkpoint was trained on", which the store does not say.
  const grid = typeof target === "string" && !target.startsWith("checkpoint:") ? target : undefined;
  const area = typeof regrid?.["area"] === "string" ? regrid["area"] : undefined;
  let domain = datasetDomain({ grid, area });
  if (nested && name === regionOfInterest) domain = "limited-area";
  else if (nested && domain === undefined && name === "global") domain = "global";
  if (grid === undefined && area === undefined && domain === undefined) return undefined;
  const resolutionKm = grid === undefined ? undefined : gridResolutionKm(grid);
  return { name, ...(grid ? { grid } : {}), ...(resolutionKm ? { resolutionKm } : {}), ...(domain ? { domain } : {}), ...(area ? { area } : {}) };
}

/** The datasets a store's input options describe; undefined when they describe none. */
export function storeDatasets(fields: FiabFields): Dataset[] | undefined {
  const config = fields.configuration;
  const nested = config?.nested_model === true;
  const roi = config?.region_of_interest ?? undefined;
  const sources = inputSources(config?.input_options);
  const datasets = sources.flatMap(([name, source]) => datasetOf(name, source, roi, nested) ?? []);
  // A nested model's region of interest is its limited area, even when no input source carries its name.
  if (nested && roi && !sources.some(([name]) => name === roi)) datasets.push({ name: roi, domain: "limited-area" });
  return datasets.length > 0 ? datasets : undefined;
}

/** `entry` (made from the store's fields) with the facts the store implies; `existing` facts win. */
export function withStoreFacts(entry: Entry, fields: FiabFields, existing?: Entry): Entry {
  const wheels = wheelRestrictions(fields.pip_package_constraints);
  const architectures = wheels.architectures ?? existing?.infrastructure?.architectures;
  const pythonVersions = wheels.pythonVersions ?? existing?.requirements?.pythonVersions;
  const datasets = existing?.inputs?.datasets ?? storeDatasets(fields);
  const task = existing?.model?.task ?? (fields.input_characteristics.includes("ensemble_number") ? "ensemble" : undefined);
  return {
    ...entry,
    model: { ...entry.model, ...(task ? { task } : {}) },
    requirements: { ...entry.requirements, ...(pythonVersions ? { pythonVersions } : {}) },
    infrastructure: { ...entry.infrastructure, ...(architectures ? { architectures } : {}) },
    inputs: { ...entry.inputs, ...(datasets ? { datasets } : {}) },
  };
}
