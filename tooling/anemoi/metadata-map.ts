// Anemoi checkpoint metadata (unversioned, 1.0 single-dataset, 2.0 multi-dataset) mapped onto the
// registry's contract. Anything odd or missing stays unknown and is reported as a warning.
import { canonicalTimestep, formatTimestep } from "../../src/contract/duration.ts";
import { datasetDomain } from "../../src/geo/domain.ts";
import { gridResolutionKm } from "../../src/geo/grid-names.ts";
import type { Dataset, Inputs, Model, Outputs, Provenance, Requirements } from "../../src/contract/index.ts";
import { arr, at, int, obj, str, strings, type Json } from "./json-access.ts";
import { qubeOf } from "./qube.ts";
import { multiDatasetVariables, singleDatasetVariables, type DatasetVariables, type Variable } from "./variables.ts";
import { pinVersion } from "./pins.ts";
import { describeVersion, pinnedModules, pythonMinor, readModuleVersions, type ModuleVersion } from "./versions.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";

export interface MappedMetadata {
  model: Model;
  inputs: Inputs;
  outputs: Outputs;
  requirements: Requirements;
  provenance: Provenance;
  ensemble: boolean;
  /** config.training.ensemble_size_per_device, when recorded. */
  ensembleMembersPerDevice: number | undefined;
  /** Module versions at training time by import name, with git/path sources (verify-unpickling pins them). */
  moduleVersions: Map<string, ModuleVersion>;
  distributionNames: Record<string, string>;
  /** Dataset names in the order of the metadata. */
  datasetNames: string[];
  warnings: string[];
}

function taskOf(modelTask: string | undefined, inferenceTask: string | undefined): Model["task"] | undefined {
  const text = `${modelTask ?? ""} ${inferenceTask ?? ""}`.toLowerCase();
  if (/interpolat/.test(text)) return "interpolator";
  if (/ens/.test(modelTask?.split(".").pop()?.toLowerCase() ?? "")) return "ensemble";
  if (/forecast/.test(text)) return "deterministic";
  return undefined;
}

/**
 * A time step as anemoi-utils' frequency_to_timedelta reads it (what anemoi-inference runs the model with): a
 * number or digits are hours; "6h", "1d", "30m", "90s" (any case); "1:30" or "1:30:10"; ISO 8601 "PT6H". Written
 * in the one-unit form FIAB's runtime parses: a day is "24h", 90 minutes "90m" (duration.ts).
 */
export function fiabTimestep(value: Json): string | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? formatTimestep(value * 3_600) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+$/.test(text)) return formatTimestep(Number(text) * 3_600);
  const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(text);
  if (clock) return formatTimestep(Number(clock[1]) * 3_600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0));
  const iso = /^pt(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (iso) return formatTimestep(Number(iso[1] ?? 0) * 3_600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0));
  return canonicalTimestep(text);
}

function gridPointsFrom(meta: Json, dataset: string | undefined): number | undefined {
  const paths = obj(dataset ? at(meta, "supporting_arrays_paths", dataset) : at(meta, "supporting_arrays_paths"));
  for (const key of ["grid_indices", "latitudes"]) {
    const shape = arr(obj(paths?.[key])?.shape);
    if (shape?.length === 1 && int(shape[0]) !== undefined) return int(shape[0]);
  }
  const shape = arr(dataset ? at(meta, "dataset", dataset, "shape") : at(meta, "dataset", "shape"));
  return shape ? int(shape[shape.length - 1]) : undefined;
}

function datasetInfo(meta: Json, name: string, multi: boolean): Dataset {
  const request = obj(multi ? at(meta, "dataset", name, "data_request") : at(meta, "dataset", "data_request"));
  const grid = str(request?.grid);
  const area = request?.area;
  const areaText =
    typeof area === "string" ? area : Array.isArray(area) && area.length === 4 && area.every((n) => typeof n === "number") ? area.join("/") : undefined;
  const gridPoints = gridPointsFrom(meta, multi ? name : undefined);
  return withDomain({ name, ...(grid ? { grid } : {}), ...(areaText ? { area: areaText } : {}), ...(gridPoints !== undefined ? { gridPoints } : {}) });
}

/** The dataset with the resolution its grid name gives and the domain its grid and area give, when they do. */
export function withDomain(dataset: Dataset): Dataset {
  const resolutionKm = dataset.grid === undefined ? undefined : gridResolutionKm(dataset.grid);
  const domain = datasetDomain(dataset);
  return { ...dataset, ...(resolutionKm !== undefined ? { resolutionKm } : {}), ...(domain ? { domain } : {}) };
}

function stepsOf(meta: Json, datasets: string[], multi: boolean, warn: (m: string) => void): { input?: number; output?: number; timestep?: string } {
  if (multi) {
    const first = obj(at(meta, "metadata_inference", datasets[0] ?? "", "timesteps"));
    const input = arr(first?.input_relative_date_indices)?.length;
    const output = arr(first?.output_relative_date_indices)?.length;
    const timestep = fiabTimestep(first?.timestep ?? at(meta, "config", "data", "timestep"));
    return { ...(input ? { input } : {}), ...(output ? { output } : {}), ...(timestep ? { timestep } : {}) };
  }
  const input = int(at(meta, "config", "training", "multistep_input"));
  const output = int(at(meta, "config", "training", "multistep_output")) ?? 1;
  const raw = at(meta, "config", "data", "timestep") ?? at(meta, "config", "data", "frequency");
  const timestep = fiabTimestep(raw);
  if (raw !== undefined && !timestep) warn(`time step ${JSON.stringify(raw)} is not a duration`);
  return { ...(input ? { input } : {}), output, ...(timestep ? { timestep } : {}) };
}

export function mapMetadata(meta: Json): MappedMetadata {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const version = str(at(meta, "version"));
  const multi = version !== undefined && Number.parseFloat(version) >= 2;
  if (version !== undefined && !["1.0", "2.0"].includes(version))
    warn(`metadata version ${version} is not one this tool was written for; read as ${multi ? "2.0" : "1.0"}`);

  const datasetNames = multi ? (strings(at(meta, "metadata_inference", "dataset_names")) ?? Object.keys(obj(at(meta, "dataset")) ?? {})) : ["data"];
  const nested = multi && datasetNames.length > 1;
  const perDataset: DatasetVariables[] = [];
  for (const name of datasetNames) {
    const found = multi ? multiDatasetVariables(meta, name, nested, warn) : singleDatasetVariables(meta, warn);
    if (found) perDataset.push(found);
  }
  const inputs: Variable[] = perDataset.flatMap((d) => d.inputs);
  const outputs: Variable[] = perDataset.flatMap((d) => d.outputs);

  const modelTask = str(at(meta, "config", "training", "model_task"));
  const task = taskOf(modelTask, str(at(meta, "metadata_inference", "task")));
  if (!task) warn("model task unknown (no config.training.model_task)");
  const steps = stepsOf(meta, datasetNames, multi, warn);
  if (!steps.timestep) warn("time step unknown (no config.data.timestep)");
  const precision = str(at(meta, "config", "training", "precision"));
  const parameterCount = int(at(meta, "summary", "total_params")) ?? int(at(meta, "config", "model", "num_parameters"));

  const qube = (variables: Variable[]) => {
    if (variables.length === 0) return undefined;
    if (!nested) return qubeOf(variables);
    return Object.fromEntries(perDataset.map((d) => [d.dataset, qubeOf(variables.filter((v) => v.dataset === d.dataset))]));
  };
  const inputQube = qube(inputs.filter((v) => v.category !== "diagnostic"));
  const outputQube = qube(outputs);

  const provenanceTraining = obj(at(meta, "provenance_training"));
  const modules = readModuleVersions(provenanceTraining?.module_versions);
  const distributionNames = obj(provenanceTraining?.distribution_names) as Record<string, string> | undefined;
  const python = str(provenanceTraining?.python);
  if (!provenanceTraining) warn("no provenance_training: Python and package versions unknown");

  const packages: Record<string, string> = {};
  const pipConstraints: string[] = [];
  for (const [importName, distribution] of pinnedModules) {
    const v = modules.get(importName);
    if (!v) continue;
    packages[distribution] = describeVersion(v);
    const { requirement, notes } = pinVersion(distribution, v, "fiab");
    pipConstraints.push(requirement);
    notes.forEach(warn);
  }
  // FIAB's stores list anemoi-inference (unpinned) right after the anemoi model packages.
  const afterAnemoi = pipConstraints.filter((r) => r.startsWith("anemoi-")).length;
  if (pipConstraints.length > 0) pipConstraints.splice(afterAnemoi, 0, "anemoi-inference");

  const ensemble = task === "ensemble";
  const moduleVersions = Object.fromEntries([...modules].sort(([a], [b]) => byCodePoint(a, b)).map(([name, v]) => [name, describeVersion(v)]));
  const anemoiTask = modelTask?.split(".").pop();
  return {
    model: {
      ...(task ? { task } : {}),
      ...(anemoiTask ? { anemoiTask } : {}),
      ...(steps.timestep ? { timestep: steps.timestep } : {}),
      ...(precision ? { precision } : {}),
      ...(parameterCount !== undefined ? { parameterCount } : {}),
    },
    inputs: {
      characteristics: ["input_source", "lead_time", "base_time", ...(ensemble ? ["ensemble_number"] : [])],
      ...(steps.input ? { steps: steps.input } : {}),
      datasets: datasetNames.map((name) => datasetInfo(meta, name, multi)),
      ...(inputs.length ? { variables: inputs } : {}),
      ...(inputQube ? { qube: inputQube } : {}),
    },
    outputs: {
      ...(steps.output ? { steps: steps.output } : {}),
      ...(outputs.length ? { variables: outputs } : {}),
      ...(outputQube ? { qube: outputQube } : {}),
    },
    requirements: {
      ...(pythonMinor(python) ? { python: pythonMinor(python)! } : {}),
      ...(modules.get("torch") ? { torch: modules.get("torch")!.version } : {}),
      ...(Object.keys(packages).length ? { packages } : {}),
      ...(pipConstraints.length ? { pipConstraints } : {}),
    },
    provenance: {
      ...(version ? { anemoiMetadataVersion: version } : {}),
      ...(str(at(meta, "uuid")) ? { uuid: str(at(meta, "uuid"))! } : {}),
      ...(str(at(meta, "run_id")) ? { runId: str(at(meta, "run_id"))! } : {}),
      ...(str(at(meta, "timestamp")) ? { trainingTimestamp: str(at(meta, "timestamp"))! } : {}),
      ...(python ? { python } : {}),
      ...(modules.size ? { moduleVersions } : {}),
      ...(distributionNames ? { distributionNames } : {}),
    },
    ensemble,
    ensembleMembersPerDevice: int(at(meta, "config", "training", "ensemble_size_per_device")),
    moduleVersions: modules,
    distributionNames: Object.fromEntries(Object.entries(distributionNames ?? {}).filter(([, v]) => typeof v === "string")),
    datasetNames,
    warnings,
  };
}
