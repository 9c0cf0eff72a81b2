// The model's inputs and outputs: datasets, grids, variables and the qubes FIAB reads.
import { z } from "zod";
import { timestep } from "./common.ts";
import { object, oneOf, type Mode } from "./mode.ts";
import { makeQube } from "./qube.ts";

export const variableCategories = ["prognostic", "diagnostic", "forcing", "constant", "computed"] as const;
export const modelTasks = ["deterministic", "ensemble", "interpolator"] as const;

export function makeModel(mode: Mode) {
  return object(mode, {
    task: oneOf(mode, modelTasks, "What the model does: forecasts one state, forecasts ensemble members, or interpolates in time.").optional(),
    anemoiTask: z.string().optional().describe('The training task as written in the metadata, e.g. "GraphForecaster".'),
    timestep: timestep.optional().describe('Time step of one model step, e.g. "6h" (FIAB\'s timestep).'),
    precision: z.string().optional().describe('Training precision, e.g. "16-mixed", "bf16-mixed", "32".'),
    parameterCount: z.number().int().nonnegative().optional().describe("Number of model parameters, when recorded."),
  }).describe("The model: task, time step, precision.");
}

function makeVariable(mode: Mode) {
  return object(mode, {
    name: z.string().min(1).describe('Variable name as the model knows it, e.g. "t_850", "2t", "cos_latitude".'),
    category: oneOf(mode, variableCategories, "Role of the variable."),
    dataset: z.string().optional().describe("Dataset the variable belongs to (multi-dataset models)."),
    param: z.string().optional().describe('MARS param, e.g. "t"; absent for computed forcings.'),
    levtype: z.string().optional().describe('MARS level type: "pl" (pressure), "ml" (model), "sfc" (surface)...'),
    level: z.number().optional().describe("MARS level, for pl and ml variables."),
  }).describe("One variable with its category and MARS keys.");
}

function makeDataset(mode: Mode) {
  return object(mode, {
    name: z.string().min(1).describe('Dataset name; "data" for single-dataset models.'),
    grid: z.string().optional().describe('Grid name, e.g. "o96", "n320".'),
    area: z.string().optional().describe('Area as north/west/south/east, e.g. "70/-20/20/30", for limited-area datasets.'),
    gridPoints: z.number().int().nonnegative().optional().describe("Number of grid points."),
  }).describe("A dataset the model reads: its grid and size.");
}

export function makeInputs(mode: Mode) {
  return object(mode, {
    characteristics: z
      .array(z.string().min(1))
      .optional()
      .describe("Configuration keys the model exposes to FIAB: input_source, lead_time, base_time, ensemble_number (FIAB's input_characteristics)."),
    steps: z.number().int().positive().optional().describe("Number of past time steps the model reads (multistep input)."),
    datasets: z.array(makeDataset(mode)).optional().describe("Datasets the model reads."),
    variables: z.array(makeVariable(mode)).optional().describe("Variables the model reads."),
    qube: makeQube(mode).optional().describe("FIAB's input qube: prognostic, forcing and constant variables with MARS keys (FIAB's input_qube)."),
  }).describe("What the model reads.");
}

export function makeOutputs(mode: Mode) {
  return object(mode, {
    steps: z.number().int().positive().optional().describe("Number of time steps one model step writes."),
    variables: z.array(makeVariable(mode)).optional().describe("Variables the model writes."),
    qube: makeQube(mode).optional().describe("FIAB's output qube: prognostic and diagnostic variables (FIAB's output_qube)."),
  }).describe("What the model writes.");
}
