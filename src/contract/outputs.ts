// What the model writes: variables, steps per model step and FIAB's output qube.
import { z } from "zod";
import { object, type Mode } from "./mode.ts";
import { makeQube } from "./qube.ts";
import { makeVariable } from "./variable.ts";

export function makeOutputs<M extends Mode>(mode: M) {
  return object(mode, {
    steps: z.number().int().positive().optional().describe("Number of time steps one model step writes."),
    variables: z.array(makeVariable(mode)).optional().describe("Variables the model writes."),
    qube: makeQube(mode).optional().describe("FIAB's output qube: prognostic and diagnostic variables (FIAB's output_qube)."),
  }).describe("What the model writes.");
}

export type Outputs = z.output<ReturnType<typeof makeOutputs<"authoring">>>;
