// One variable a model reads or writes: its role and its MARS keys.
import { z } from "zod";
import { object, oneOf, type Mode } from "./mode.ts";

export const variableCategories = ["prognostic", "diagnostic", "forcing", "constant", "computed"] as const;

export function makeVariable<M extends Mode>(mode: M) {
  return object(mode, {
    name: z.string().min(1).describe('Variable name as the model knows it, e.g. "t_850", "2t", "cos_latitude".'),
    category: oneOf(mode, variableCategories, "Role of the variable."),
    dataset: z.string().optional().describe("Dataset the variable belongs to (multi-dataset models)."),
    param: z.string().optional().describe('MARS param, e.g. "t"; absent for computed forcings.'),
    levtype: z.string().optional().describe('MARS level type: "pl" (pressure), "ml" (model), "sfc" (surface)...'),
    level: z.number().optional().describe("MARS level, for pl and ml variables."),
  }).describe("One variable with its category and MARS keys.");
}

export type Variable = z.output<ReturnType<typeof makeVariable<"authoring">>>;
export type VariableCategory = (typeof variableCategories)[number];
