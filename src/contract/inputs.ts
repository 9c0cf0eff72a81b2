// What the model reads: datasets (grids), variables, input steps and FIAB's input qube.
import { z } from "zod";
import { object, oneOf, type Mode } from "./mode.ts";
import { makeQube } from "./qube.ts";
import { makeVariable } from "./variable.ts";

export const domainKinds = ["global", "limited-area"] as const;
export type DomainKind = (typeof domainKinds)[number];

export function makeDataset<M extends Mode>(mode: M) {
  return object(mode, {
    name: z.string().min(1).describe('Dataset name; "data" for single-dataset models.'),
    grid: z.string().optional().describe('Grid name, e.g. "o96", "n320".'),
    resolutionKm: z
      .number()
      .positive()
      .optional()
      .describe("Approximate grid spacing in kilometres, e.g. 31 for n320 (from the grid name when it is a known one)."),
    domain: oneOf(mode, domainKinds, "What the dataset covers: the whole globe, or a limited area (bounds in area).").optional(),
    area: z.string().optional().describe('Area as north/west/south/east, e.g. "70/-20/20/30", for limited-area datasets.'),
    region: z.string().min(1).max(200).optional().describe('The place a limited-area dataset covers, in words, e.g. "Nordic countries", "Malawi".'),
    gridPoints: z.number().int().nonnegative().optional().describe("Number of grid points."),
  }).describe("A dataset the model reads: its grid, resolution, domain and size.");
}

export function makeInputs<M extends Mode>(mode: M) {
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

export type Dataset = z.output<ReturnType<typeof makeDataset<"authoring">>>;
export type Inputs = z.output<ReturnType<typeof makeInputs<"authoring">>>;
