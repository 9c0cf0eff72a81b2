// The contract is written once and built in two modes from the same code:
// "authoring" is what files in entries/ must satisfy (unknown keys are typos, so they fail);
// "consuming" is what readers accept (unknown keys are dropped, unknown enum values read as "unknown"),
// so an older reader keeps working when a newer writer adds fields or enum values.
import { z } from "zod";

export type Mode = "authoring" | "consuming";

/** An object schema: strict when authoring, stripping unknown keys when consuming. */
export function object<Shape extends z.ZodRawShape>(mode: Mode, shape: Shape) {
  return mode === "authoring" ? z.strictObject(shape) : z.object(shape);
}

/**
 * A closed set of strings. Authoring rejects values outside it; consuming maps them to "unknown"
 * so that a value added by a later schema does not make older readers fail.
 */
export function oneOf<const Values extends readonly [string, ...string[]]>(
  mode: Mode,
  values: Values,
  description: string,
) {
  const known = `${description} One of: ${values.map((v) => `"${v}"`).join(", ")}.`;
  if (mode === "authoring") return z.enum(values).describe(known);
  return z
    .string()
    .transform((v): Values[number] | "unknown" => ((values as readonly string[]).includes(v) ? v : "unknown"))
    .describe(`${known} Readers map any other value to "unknown".`);
}
