// The model itself: what it does, its time step and training precision.
import { z } from "zod";
import { timestep } from "./timestep.ts";
import { object, oneOf, type Mode } from "./mode.ts";

export const modelTasks = ["deterministic", "ensemble", "interpolator"] as const;

export function makeModel<M extends Mode>(mode: M) {
  return object(mode, {
    task: oneOf(mode, modelTasks, "What the model does: forecasts one state, forecasts ensemble members, or interpolates in time.").optional(),
    anemoiTask: z.string().optional().describe('The training task as written in the metadata, e.g. "GraphForecaster".'),
    timestep: timestep.optional().describe('Time step of one model step, e.g. "6h" (FIAB\'s timestep).'),
    forecastRange: timestep
      .optional()
      .describe('How far ahead the publisher runs or evaluates the model, e.g. "360h" for 15 days (the model steps on as far as asked).'),
    precision: z.string().optional().describe('Training precision, e.g. "16-mixed", "bf16-mixed", "32".'),
    parameterCount: z.number().int().nonnegative().optional().describe("Number of model parameters, when recorded."),
  }).describe("The model: task, time step, precision.");
}

export type Model = z.output<ReturnType<typeof makeModel<"authoring">>>;
export type ModelTask = (typeof modelTasks)[number];
