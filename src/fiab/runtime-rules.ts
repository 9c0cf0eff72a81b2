// What FIAB's runtime does with an artifact's fields after its pydantic models accepted them, as rules the
// registry checks before it publishes an entry in a FIAB view: a value FIAB's store contract takes but its
// runtime raises on (a time step earthkit-data cannot parse, a pip requirement uv refuses, a qube qubed cannot
// open, a nested model without its region) would break that model in FIAB only when someone runs it.
// Each rule names the FIAB function it follows (forecast-in-a-box, fiab-plugin-ecmwf and fiab-core, read at
// 545a538 of August 2026; earthkit-data 652c2c3; qubed 0.3, the range fiab-core pins).
import { parsePipRequirementsLine } from "pip-requirements-js";
import type { FiabFields } from "./store-contract.ts";
import { errorMessage } from "../errors.ts";
import { isJsonObject as isObject } from "../text/json-object.ts";

export interface RuntimeProblem {
  /** The FIAB field, e.g. "specific.timestep" or "specific.pip_package_constraints[2]". */
  field: string;
  message: string;
  /** What fixes it, when the rule knows more than "correct the field". */
  fix?: string;
}

/**
 * earthkit.data.utils.dates.to_timedelta on a string, which fiab-plugin-ecmwf's _timestep_seconds calls on
 * the artifact's timestep (CheckpointArtifact.validate_lead_time, get_model_output): digits alone are hours,
 * "a-b" is b hours, and a number with one letter is that many s, m or h; anything else raises. Seconds, or
 * undefined where FIAB raises.
 */
export function earthkitTimedeltaSeconds(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 3_600;
  const range = /^\d+-(\d+)$/.exec(text);
  if (range) return Number(range[1]) * 3_600;
  const [, digits, unit] = /^(\d+)([a-zA-Z])$/.exec(text) ?? [];
  const factor = unit === "s" ? 1 : unit === "m" ? 60 : unit === "h" ? 3_600 : undefined;
  return factor !== undefined ? Number(digits) * factor : undefined;
}

/** _timestep_seconds: to_timedelta, then "Checkpoint timestep must be positive". */
function timestepProblem(timestep: string): string | undefined {
  const seconds = earthkitTimedeltaSeconds(timestep);
  if (seconds === undefined)
    return `${JSON.stringify(timestep)} is not a time step earthkit-data's to_timedelta parses (one number and one unit of s, m or h, e.g. "6h", "24h", "90m")`;
  if (seconds <= 0) return `${JSON.stringify(timestep)} is not positive, which fiab-plugin-ecmwf's _timestep_seconds refuses`;
  return undefined;
}

// Parsing a requirement costs a few milliseconds; a registry repeats the same few strings thousands of times.
const parsedRequirements = new Map<string, string | undefined>();

/**
 * A pip requirement as uv pip install takes it from the job's environment (cascade's PackagesEnv.extend, fed by
 * CheckpointArtifact.get_environment): a PEP 508 requirement, "name[extras] specifiers; marker" or
 * "name @ URL", as packaging's Requirement parses it; or, as uv also takes on its command line, the bare URL of
 * a wheel, named by its file (FIAB's own store pins flash-attn that way). Options ("-r file", "-e path") are
 * not requirements there.
 */
export function pipRequirementProblem(requirement: string): string | undefined {
  if (parsedRequirements.has(requirement)) return parsedRequirements.get(requirement);
  let problem: string | undefined;
  if (wheelUrl.test(requirement)) problem = undefined;
  else {
    try {
      const parsed = parsePipRequirementsLine(requirement);
      if (!parsed || (parsed.type !== "ProjectName" && parsed.type !== "ProjectURL")) problem = "is an option or a comment, not a requirement";
    } catch (error) {
      problem = `is not a PEP 508 requirement (${errorMessage(error)
        .split("\n")[0]!
        .replace(/^Failed to parse requirements line\. /, "")})`;
    }
  }
  if (parsedRequirements.size < 10_000) parsedRequirements.set(requirement, problem);
  return problem;
}

// https://host/path/name-version(-build)?-python-abi-platform.whl, the file name as PEP 427 writes it.
const wheelUrl = /^https?:\/\/[^\s#?]+\/[A-Za-z0-9_.]+-[^-/\s]+(?:-\d[^-/\s]*)?-[^-/\s]+-[^-/\s]+-[^-/\s]+\.whl(?:[?#]\S*)?$/;

const qubeDtypes = new Set(["str", "int64", "float64", "date", "datetime"]);

/** qubed's numpy_from_json: a string array listed with its shape, or any other dtype as base64 bytes. */
function metadataProblem(value: unknown): string | undefined {
  const notAnArray = "is not an array as qubed writes one ({dtype, shape, values} or {dtype, shape, base64})";
  if (!isObject(value)) return notAnArray;
  const shape = value["shape"];
  if (typeof value["dtype"] !== "string" || !Array.isArray(shape)) return notAnArray;
  if (!shape.every((n): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0)) return "has a shape that is not a list of sizes";
  if (value["dtype"] !== "str") return typeof value["base64"] === "string" ? undefined : `has dtype ${JSON.stringify(value["dtype"])} without base64 data`;
  const values = value["values"];
  const count = shape.reduce((n, s) => n * s, 1);
  if (!Array.isArray(values)) return "has dtype str without values";
  return values.length === count ? undefined : `holds ${values.length} values for the shape ${JSON.stringify(shape)} (${count})`;
}

/** qubed 0.3's Qube.from_json on one node and its children (values through values_from_json and QEnum.from_json). */
function qubeNodeProblem(node: unknown, path: string, depth: number): RuntimeProblem | undefined {
  const at = (message: string): RuntimeProblem => ({ field: path, message });
  if (depth > 32) return at("is nested deeper than 32 levels");
  if (!isObject(node)) return at("is not a qube node (an object with key, values and children)");
  if (typeof node["key"] !== "string") return at('has no "key"');
  const children: unknown = node["children"];
  if (!Array.isArray(children)) return at('has no "children" list');
  const values = node["values"];
  if (Array.isArray(values)) {
    if (values.length === 0) return at("lists no values");
  } else if (!isObject(values)) return at('has no "values"');
  else {
    const extra = Object.keys(values).filter((k) => !["type", "dtype", "values"].includes(k));
    if (values["type"] !== "enum") return at(`.values has type ${JSON.stringify(values["type"])}; qubed opens "enum" values here`);
    if (extra.length > 0) return at(`.values has ${extra.map((k) => JSON.stringify(k)).join(", ")}, which QEnum.from_json does not take`);
    if (typeof values["dtype"] !== "string" || !qubeDtypes.has(values["dtype"]))
      return at(`.values has dtype ${JSON.stringify(values["dtype"])} (qubed knows ${[...qubeDtypes].join(", ")})`);
    if (!Array.isArray(values["values"])) return at(".values has no list of values");
  }
  if (node["metadata"] !== undefined) {
    if (!isObject(node["metadata"])) return at(".metadata is not an object");
    for (const [name, value] of Object.entries(node["metadata"])) {
      const problem = metadataProblem(value);
      if (problem) return { field: `${path}.metadata.${name}`, message: problem };
    }
  }
  for (const [i, child] of children.entries()) {
    const problem = qubeNodeProblem(child, `${path}.children[${i}]`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** CheckpointArtifact._open_qube_json: one qube when the object has "key", else one qube per dataset name. */
export function qubeProblem(qube: unknown, field: string): RuntimeProblem | undefined {
  if (!isObject(qube)) return { field, message: "is not an object" };
  if ("key" in qube) return qubeNodeProblem(qube, field, 0);
  const roots = Object.entries(qube);
  if (roots.length === 0) return { field, message: "holds no qube" };
  for (const [name, root] of roots) {
    const problem = qubeNodeProblem(root, `${field}.${name}`, 0);
    if (problem) return problem;
  }
  return undefined;
}

/** The name each input_options item stands for (its one key), or undefined when an item has not exactly one. */
function regionNames(options: readonly unknown[]): string[] | undefined {
  const names: string[] = [];
  for (const item of options) {
    if (!isObject(item) || Object.keys(item).length !== 1) return undefined;
    names.push(Object.keys(item)[0]!);
  }
  return names;
}

/**
 * CheckpointArtifact.get_input_configuration and get_additional_kwargs: a list of input options is cutout input,
 * only for nested models, each item one region name; a nested model names its region of interest among them.
 */
function configurationProblems(config: FiabFields["configuration"]): RuntimeProblem[] {
  if (!config) return [];
  const options = config.input_options;
  const nested = config.nested_model === true;
  const field = (name: string) => `specific.configuration.${name}`;
  if (Array.isArray(options)) {
    const names = regionNames(options);
    if (!names)
      return [{ field: field("input_options"), message: "is a list whose items do not each hold exactly one region name (get_input_configuration raises)" }];
    if (!nested) return [{ field: field("input_options"), message: "is a list (cutout input), which FIAB runs only for nested models: set nested_model" }];
    const roi = config.region_of_interest;
    if (roi === undefined || roi === null)
      return [{ field: field("region_of_interest"), message: "is missing: a nested model must name the region it forecasts (get_additional_kwargs raises)" }];
    const listed = names.map((n) => JSON.stringify(n)).join(", ");
    if (!names.includes(roi)) {
      return [
        {
          field: field("region_of_interest"),
          message: `is ${JSON.stringify(roi)}, not one of the input_options regions (${listed}), which get_additional_kwargs requires`,
          fix: `name the forecast region among ${listed} in configuration.regionOfInterest, or rename its input option`,
        },
      ];
    }
    return [];
  }
  if (nested) return [{ field: field("input_options"), message: "is not a list of regions, which a nested model needs (get_additional_kwargs raises)" }];
  return [];
}

/** Everything FIAB's runtime would raise on in these fields, each with the FIAB field it concerns. */
export function runtimeProblems(fields: FiabFields): RuntimeProblem[] {
  const problems: RuntimeProblem[] = [];
  const timestep = timestepProblem(fields.timestep);
  if (timestep) problems.push({ field: "specific.timestep", message: timestep });
  for (const [i, requirement] of fields.pip_package_constraints.entries()) {
    const problem = pipRequirementProblem(requirement);
    if (problem) problems.push({ field: `specific.pip_package_constraints[${i}]`, message: `${JSON.stringify(requirement)} ${problem}` });
  }
  for (const name of ["input_qube", "output_qube"] as const) {
    const problem = qubeProblem(fields[name], `specific.${name}`);
    if (problem) problems.push(problem);
  }
  problems.push(...configurationProblems(fields.configuration));
  return problems;
}
