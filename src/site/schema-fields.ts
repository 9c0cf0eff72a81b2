// The contract page's field list, read from the generated JSON Schema so the page cannot drift from the
// contract. Paths use "*" for any key of a map and "[]" for each item of an array.

import { jsonObject } from "../text/json-object.ts";

type Schema = Record<string, unknown>;

export interface FieldRow {
  path: string;
  depth: number;
  type: string;
  presence: "required" | "optional" | "each value" | "each item";
  description: string | undefined;
  enumValues: string[];
  defaultValue: string | undefined;
  /** What the keys of a map may be, from its propertyNames. */
  keys: string | undefined;
  /** Where a recursive or shared definition was already listed, instead of listing it again. */
  seeAlso: string | undefined;
}

function asSchema(value: unknown): Schema | undefined {
  return jsonObject(value);
}

function refName(schema: Schema): string | undefined {
  const ref = schema["$ref"];
  return typeof ref === "string" ? ref.slice(ref.lastIndexOf("/") + 1) : undefined;
}

function alternatives(schema: Schema): Schema[] {
  const alts = Array.isArray(schema["anyOf"]) ? (schema["anyOf"] as unknown[]) : [];
  return alts.map(asSchema).filter((s): s is Schema => s !== undefined);
}

export function typeLabel(schema: Schema): string {
  const ref = refName(schema);
  if (ref) return ref;
  const type = schema["type"];
  if ("const" in schema) return `${typeof type === "string" ? type : "value"} = ${JSON.stringify(schema["const"])}`;
  const alts = alternatives(schema);
  if (alts.length > 0) return [...new Set(alts.map(typeLabel))].join(" | ");
  if (Array.isArray(type)) return type.join(" | ");
  if (type === "array") {
    const items = asSchema(schema["items"]);
    const inner = items ? typeLabel(items) : "any";
    return inner.includes(" | ") ? `(${inner})[]` : `${inner}[]`;
  }
  if (type === "object") {
    const additional = asSchema(schema["additionalProperties"]);
    if (!asSchema(schema["properties"]) && additional) return `map<string, ${typeLabel(additional)}>`;
    return "object";
  }
  return typeof type === "string" ? type : "any";
}

function isStructured(schema: Schema): boolean {
  if (refName(schema)) return true;
  const props = asSchema(schema["properties"]);
  if (props && Object.keys(props).length > 0) return true;
  const items = asSchema(schema["items"]);
  const additional = asSchema(schema["additionalProperties"]);
  return alternatives(schema).some(isStructured) || (items !== undefined && isStructured(items)) || (additional !== undefined && isStructured(additional));
}

function enumValues(schema: Schema): string[] {
  const own = Array.isArray(schema["enum"]) ? (schema["enum"] as unknown[]) : [];
  const items = asSchema(schema["items"]);
  const fromItems = items && Array.isArray(items["enum"]) ? (items["enum"] as unknown[]) : [];
  const fromAlts = alternatives(schema).flatMap(enumValues);
  return [...new Set([...own, ...fromItems].map((v) => JSON.stringify(v)).concat(fromAlts))];
}

function keysText(schema: Schema): string | undefined {
  const names = asSchema(schema["propertyNames"]);
  if (!names) return undefined;
  if (typeof names["description"] === "string") return names["description"];
  return typeof names["pattern"] === "string" ? `matching ${names["pattern"]}` : undefined;
}

export function schemaFields(root: Schema): FieldRow[] {
  const defs = asSchema(root["$defs"]) ?? {};
  const shownAt = new Map<string, string>();
  const rows: FieldRow[] = [];

  function emit(path: string, schema: Schema, presence: FieldRow["presence"], depth: number): void {
    const ref = refName(schema);
    const target = ref ? (asSchema(defs[ref]) ?? {}) : schema;
    const row: FieldRow = {
      path,
      depth,
      type: typeLabel(schema),
      presence,
      description:
        typeof schema["description"] === "string" ? schema["description"] : typeof target["description"] === "string" ? target["description"] : undefined,
      enumValues: enumValues(target),
      defaultValue: "default" in schema ? JSON.stringify(schema["default"]) : undefined,
      keys: keysText(target),
      seeAlso: undefined,
    };
    rows.push(row);
    expand(schema, path, depth + 1, row);
  }

  function expand(schema: Schema, path: string, depth: number, row: FieldRow): void {
    const ref = refName(schema);
    if (ref) {
      const seen = shownAt.get(ref);
      if (seen !== undefined) {
        row.seeAlso ??= seen;
        return;
      }
      shownAt.set(ref, path);
      expand(asSchema(defs[ref]) ?? {}, path, depth, row);
      return;
    }
    const props = asSchema(schema["properties"]) ?? {};
    const required = new Set(Array.isArray(schema["required"]) ? (schema["required"] as unknown[]) : []);
    for (const [key, value] of Object.entries(props)) {
      const child = asSchema(value);
      if (child) emit(path ? `${path}.${key}` : key, child, required.has(key) ? "required" : "optional", depth);
    }
    const additional = asSchema(schema["additionalProperties"]);
    if (additional && isStructured(additional)) emit(`${path}.*`, additional, "each value", depth);
    const items = asSchema(schema["items"]);
    if (items && isStructured(items)) emit(`${path}[]`, items, "each item", depth);
    for (const alt of alternatives(schema)) if (isStructured(alt)) expand(alt, path, depth, row);
  }

  const top: FieldRow = {
    path: "",
    depth: 0,
    type: "object",
    presence: "required",
    description: undefined,
    enumValues: [],
    defaultValue: undefined,
    keys: undefined,
    seeAlso: undefined,
  };
  expand(root, "", 0, top);
  return rows;
}
