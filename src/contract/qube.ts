// FIAB's qube: a tree of axes (levtype -> param -> level) describing the fields a model reads or writes.
// It is handed to FIAB as is, so consuming mode keeps every key (looseObject) instead of dropping unknown ones.
import { z } from "zod";
import type { Mode } from "./mode.ts";

/** One axis of a qube as entries/ hold it. A type alias rather than an interface so that it is assignable to
 *  Record<string, unknown>, the opaque object FIAB's store takes a qube as. */
export type QubeNode = {
  key: string;
  values: { type: "enum"; dtype: "str" | "int64"; values: Array<string | number> };
  metadata: Record<string, unknown>;
  children: QubeNode[];
};
/** One root node, or for nested (multi-dataset) models one root node per dataset name. */
export type Qube = QubeNode | Record<string, QubeNode>;

/** One axis of a qube as a tolerant reader sees it: any strings, and every key kept. */
export interface ConsumedQubeNode {
  [key: string]: unknown;
  key: string;
  values: { [key: string]: unknown; type: string; dtype: string; values: Array<string | number> };
  metadata: Record<string, unknown>;
  children: ConsumedQubeNode[];
}
export type ConsumedQube = ConsumedQubeNode | Record<string, ConsumedQubeNode>;

type ModeQube<M extends Mode> = z.ZodType<M extends "authoring" ? Qube : ConsumedQube>;

const built = new Map<Mode, z.ZodType>();

/** One qube schema per mode: the recursive node carries an id, which must be unique in a JSON Schema. */
export function makeQube<M extends Mode>(mode: M): ModeQube<M> {
  let qube = built.get(mode);
  if (!qube) built.set(mode, (qube = buildQube(mode)));
  return qube as ModeQube<M>;
}

function buildQube(mode: Mode): z.ZodType {
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
