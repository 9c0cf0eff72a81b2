// The keys the contract allows at a place in an entry, read from the Zod schema itself (its `_zod.def`
// introspection), so that an unknown key can be answered with the field that was probably meant.
import type { z } from "zod";

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The schema under wrappers that do not change the shape: optional, nullable, default, pipes, readonly. */
function unwrap(schema: unknown): unknown {
  let at = schema;
  for (let depth = 0; depth < 16; depth++) {
    const def = defOf(at);
    if (!def) return at;
    if (["optional", "nullable", "default", "prefault", "readonly", "nonoptional", "catch"].includes(def.type)) at = def["innerType"];
    else if (def.type === "pipe") at = def["in"];
    else if (def.type === "lazy") at = (def["getter"] as () => unknown)();
    else return at;
  }
  return at;
}

/** Every schema the value at `key` of a value of `schema` could be checked against. */
function children(schema: unknown, key: PropertyKey): unknown[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (!def) return [];
  if (def.type === "object") {
    const shape = def["shape"] as Record<string, unknown>;
    return typeof key === "string" && Object.hasOwn(shape, key) ? [shape[key]] : [];
  }
  if (def.type === "array") return typeof key === "number" ? [def["element"]] : [];
  if (def.type === "record") return [def["valueType"]];
  if (def.type === "union") return (def["options"] as unknown[]).flatMap((option) => children(option, key));
  return [];
}

function ownKeys(schema: unknown): string[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def?.type === "object") return Object.keys(def["shape"] as object);
  if (def?.type === "union") return (def["options"] as unknown[]).flatMap(ownKeys);
  return [];
}

/** The field names an object at `path` may have, or [] when the path leads to no object of the schema. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at: unknown[] = [schema];
  for (const key of path) at = at.flatMap((s) => children(s, key));
  return [...new Set(at.flatMap(ownKeys))];
}
