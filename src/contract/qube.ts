// FIAB's qube: a tree of axes (levtype -> param -> level) describing the fields a model reads or writes.
// It is handed to FIAB as is, so consuming mode keeps every key (looseObject) instead of dropping unknown ones.
import { z } from "zod";
import type { Mode } from "./mode.ts";

const built = new Map<Mode, ReturnType<typeof buildQube>>();

/** One qube schema per mode: the recursive node carries an id, which must be unique in a JSON Schema. */
export function makeQube(mode: Mode) {
  let qube = built.get(mode);
  if (!qube) built.set(mode, (qube = buildQube(mode)));
  return qube;
}

function buildQube(mode: Mode) {
  const obj = mode === "authoring" ? z.strictObject : z.looseObject;
  const values = obj({
    type: (mode === "authoring" ? z.literal("enum") : z.string()).describe('How the values are given; "enum": listed.'),
    dtype: (mode === "authoring" ? z.enum(["str", "int64"]) : z.string()).describe('Type of the values: "str" or "int64".'),
    values: z.array(z.union([z.string(), z.number().int()])).describe("The values of this axis."),
  }).describe("The values an axis takes.");

  const node = obj({
    key: z.string().min(1).describe('Name of the axis: "root", "levtype", "param", "level"...'),
    values,
    metadata: z.record(z.string(), z.unknown()).describe('Per-axis metadata, e.g. the level type\'s "name" (pressure, model, surface).'),
    get children(): z.ZodArray<typeof node> {
      return z.array(node).describe("Sub-axes; params that share the same levels share one node.");
    },
  }).meta({ id: "QubeNode", description: "One axis of a qube with its values and sub-axes." });

  return z
    .union([node, z.record(z.string(), node)])
    .describe("A qube in FIAB's encoding: one root node, or for nested (multi-dataset) models an object keyed by dataset name.");
}
