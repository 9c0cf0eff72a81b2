// Options a model exposes to FIAB when a job is built. Keys mirror FIAB's `configuration` block; only the
// keys actually given are present, so FIAB's views reproduce the original documents exactly.
import { z } from "zod";
import { jsonObject } from "./common.ts";
import { object, type Mode } from "./mode.ts";

export function makeConfiguration<M extends Mode>(mode: M) {
  return object(mode, {
    ensemble: object(mode, {
      supported: z.boolean().describe("Whether the model produces ensemble members (e.g. CRPS-trained GraphEnsForecaster)."),
      members: z.number().int().positive().optional().describe("Ensemble members the model is meant to be run with, when the publisher states it."),
      membersPerDevice: z.number().int().positive().optional().describe("Ensemble members trained per device, when known."),
    })
      .optional()
      .describe("Ensemble capability."),
    preProcessors: z.array(jsonObject).optional().describe("anemoi-inference pre-processors applied to the input (FIAB's pre_processors)."),
    postProcessors: z.array(jsonObject).optional().describe("anemoi-inference post-processors applied to the output (FIAB's post_processors)."),
    controlOptions: jsonObject
      .nullable()
      .optional()
      .describe("Environment variables for the run, e.g. the attention backend or ANEMOI_INFERENCE_NUM_CHUNKS (FIAB's control_options)."),
    inputOptions: z
      .union([jsonObject, z.array(jsonObject)])
      .nullable()
      .optional()
      .describe("Input source configuration per dataset, e.g. regridding (FIAB's input_options)."),
    nestedModel: z.boolean().optional().describe("Whether the model nests a limited area in a global one (FIAB's nested_model)."),
    regionOfInterest: z.string().nullable().optional().describe("Dataset name of the region of interest of a nested model (FIAB's region_of_interest)."),
  }).describe("Configuration options the model exposes to a job.");
}

export type Configuration = z.output<ReturnType<typeof makeConfiguration<"authoring">>>;
