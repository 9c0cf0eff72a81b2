// What people see in the catalog and in FIAB's model picker.
import { z } from "zod";
import { object, type Mode } from "./mode.ts";

export function makeDisplay<M extends Mode>(mode: M) {
  return object(mode, {
    name: z.string().min(1).describe('Human name of the model, e.g. "AIFS Single MSE 1.1".'),
    author: z.string().describe('Who trained or publishes the model, e.g. "ECMWF".'),
    description: z.string().describe("A short description; may be empty."),
    comment: z.string().optional().describe('A free note for FIAB users (FIAB\'s "comment"); absent when never given.'),
  }).describe("Display data for the catalog and FIAB.");
}

export function makeTags() {
  return z
    .record(z.string().min(1), z.string().nullable())
    .describe('Free key/value labels, e.g. {"status": "operational"}; FIAB shows them. A null value is a tag without value.');
}

export type Tags = z.output<ReturnType<typeof makeTags>>;
export type Display = z.output<ReturnType<typeof makeDisplay<"authoring">>>;
