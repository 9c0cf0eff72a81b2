// The contract is written once and built in two modes from the same code:
// "authoring" is what files in entries/ must satisfy (unknown keys are typos, so they fail);
// "consuming" is what readers accept (unknown keys are dropped, unknown enum values read as "unknown"),
// so an older reader keeps working when a newer writer adds fields or enum values.
// Every part is a function of the mode, generic in it, so that each part's types can be read off the
// authoring build (`Part<"authoring">`) without building a schema for it.
import { z } from "zod";

export type Mode = "authoring" | "consuming";

type ModeObject<M extends Mode, Shape extends z.ZodRawShape> = M extends "authoring" ? z.ZodObject<Shape, z.core.$strict> : z.ZodObject<Shape, z.core.$strip>;

/** An object schema: strict when authoring, stripping unknown keys when consuming. */
export function object<M extends Mode, Shape extends z.ZodRawShape>(mode: M, shape: Shape): ModeObject<M, Shape> {
  return (mode === "authoring" ? z.strictObject(shape) : z.object(shape)) as ModeObject<M, Shape>;
}

type Values = readonly [string, ...string[]];
type ModeEnum<M extends Mode, V extends Values> = M extends "authoring"
  ? z.ZodEnum<{ [K in V[number]]: K }>
  : z.ZodPipe<z.ZodString, z.ZodTransform<V[number] | "unknown", string>>;

/**
 * A closed set of strings. Authoring rejects values outside it; consuming maps them to "unknown"
 * so that a value added by a later schema does not make older readers fail.
 */
export function oneOf<M extends Mode, const V extends Values>(mode: M, values: V, description: string): ModeEnum<M, V> {
  const known = `${description} One of: ${values.map((v) => `"${v}"`).join(", ")}.`;
  if (mode === "authoring") return z.enum(values).describe(known) as unknown as ModeEnum<M, V>;
  return z
    .string()
    .transform((v): V[number] | "unknown" => ((values as readonly string[]).includes(v) ? v : "unknown"))
    .describe(`${known} Readers map any other value to "unknown".`) as unknown as ModeEnum<M, V>;
}

/** The output type of a part of the contract as entries/ files hold it. */
export type Authored<Make extends (mode: "authoring") => z.ZodType> = z.output<ReturnType<Make>>;
