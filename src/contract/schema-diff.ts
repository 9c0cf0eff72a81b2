// Finds the changes between two JSON Schemas (as Zod emits them) that break existing documents or readers:
// a removed field, an optional field made required, a narrowed type or constraint, a removed enum value.
// Hand-written because the JSON Schema diff libraries on npm fail on recursive $refs (our qube) and miss
// enum narrowing; this walks both schemas side by side and follows $refs with a cycle guard.
import { isJsonObject, type JsonObject } from "../text/json-object.ts";

export type BreakingKind = "removed-field" | "made-required" | "narrowed-type" | "removed-enum-value" | "narrowed-constraint" | "closed-object";

export interface BreakingChange {
  kind: BreakingKind;
  /** Where in the entry, e.g. "source.url" or "compatibility.*.evidence[].result". */
  path: string;
  message: string;
}

type Schema = JsonObject;
const isSchema = isJsonObject;

// The walk reads keywords off `unknown` JSON; these guards say what each keyword must hold and reject a
// malformed schema loudly instead of comparing whatever happens to be there.
function malformed(key: string, expected: string): never {
  throw new Error(`malformed JSON Schema: ${key} is not ${expected}`);
}

/** A keyword holding a subschema (`items`, `propertyNames`, `additionalProperties` when not a boolean). */
function subschema(node: Schema, key: string): Schema | undefined {
  const value = node[key];
  return isSchema(value) ? value : undefined;
}

function isSchemaMap(value: unknown): value is Record<string, Schema> {
  return isSchema(value) && Object.values(value).every(isSchema);
}

/** A keyword holding a map of subschemas (`properties`). */
function schemaMap(node: Schema, key: string): Record<string, Schema> {
  const value = node[key];
  if (value === undefined) return {};
  return isSchemaMap(value) ? value : malformed(key, "a map of schema objects");
}

function stringList(node: Schema, key: string): string[] {
  const value = node[key];
  if (value === undefined) return [];
  return Array.isArray(value) && value.every((v): v is string => typeof v === "string") ? value : malformed(key, "a list of strings");
}

function numberAt(node: Schema, key: string): number | undefined {
  const value = node[key];
  if (value === undefined || typeof value === "number") return value;
  return malformed(key, "a number");
}

function resolve(root: Schema, node: Schema): { node: Schema; ref?: string } {
  const ref = node.$ref;
  if (typeof ref !== "string") return { node };
  const name = ref.replace(/^#\/\$defs\//, "");
  const defs = root.$defs;
  const target = isSchema(defs) ? defs[name] : undefined;
  if (!isSchema(target)) throw new Error(`unresolvable $ref ${ref}`);
  return { node: target, ref };
}

function types(node: Schema): Set<string> {
  const t = node.type;
  return new Set(typeof t === "string" ? [t] : stringList(node, "type"));
}

function branches(node: Schema): Schema[] | undefined {
  const key = node.anyOf !== undefined ? "anyOf" : node.oneOf !== undefined ? "oneOf" : undefined;
  if (key === undefined) return undefined;
  const list = node[key];
  return Array.isArray(list) && list.every(isSchema) ? list : malformed(key, "a list of schema objects");
}

function signature(root: Schema, node: Schema): string {
  const { node: n, ref } = resolve(root, node);
  return ref ?? [...types(n)].sort().join("|");
}

const lowerBounds = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"] as const;
const upperBounds = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"] as const;
const exactConstraints = ["pattern", "format", "const"] as const;

export function findBreakingChanges(oldRoot: Schema, newRoot: Schema): BreakingChange[] {
  const changes: BreakingChange[] = [];
  // $refs being walked on the current path: a recursive definition is compared once per place it is used.
  const walking = new Set<string>();
  const add = (kind: BreakingKind, path: string, message: string) => changes.push({ kind, path: path || "(root)", message });

  function walk(oldIn: Schema, newIn: Schema, path: string): void {
    const o = resolve(oldRoot, oldIn);
    const n = resolve(newRoot, newIn);
    const refKey = o.ref || n.ref ? `${o.ref}->${n.ref}` : undefined;
    if (refKey) {
      if (walking.has(refKey)) return;
      walking.add(refKey);
    }
    try {
      compare(o.node, n.node, path);
    } finally {
      if (refKey) walking.delete(refKey);
    }
  }

  function compare(oldNode: Schema, newNode: Schema, path: string): void {
    const oldBranches = branches(oldNode);
    const newBranches = branches(newNode);
    if (oldBranches || newBranches) {
      const candidates = newBranches ?? [newNode];
      for (const branch of oldBranches ?? [oldNode]) {
        const match = candidates.find((c) => signature(newRoot, c) === signature(oldRoot, branch));
        if (match) walk(branch, match, path);
        else add("narrowed-type", path, `no longer accepts ${signature(oldRoot, branch) || "one of its former alternatives"}`);
      }
      return;
    }

    const oldTypes = types(oldNode);
    const newTypes = types(newNode);
    if (newTypes.size > 0) {
      for (const t of oldTypes) {
        const stillAccepted = newTypes.has(t) || (t === "integer" && newTypes.has("number"));
        if (!stillAccepted) add("narrowed-type", path, `type ${t} is no longer accepted (now ${[...newTypes].join(" | ")})`);
      }
      if (oldTypes.size === 0) add("narrowed-type", path, `any value was accepted, now only ${[...newTypes].join(" | ")}`);
    }

    if (Array.isArray(newNode.enum)) {
      const oldValues = Array.isArray(oldNode.enum) ? oldNode.enum : undefined;
      if (!oldValues) add("narrowed-type", path, `now limited to ${JSON.stringify(newNode.enum)}`);
      else for (const v of oldValues) if (!newNode.enum.includes(v)) add("removed-enum-value", path, `enum value ${JSON.stringify(v)} was removed`);
    }

    for (const key of lowerBounds) {
      const before = numberAt(oldNode, key);
      const after = numberAt(newNode, key);
      if (after !== undefined && (before === undefined || after > before))
        add("narrowed-constraint", path, `${key} raised from ${before ?? "none"} to ${after}`);
    }
    for (const key of upperBounds) {
      const before = numberAt(oldNode, key);
      const after = numberAt(newNode, key);
      if (after !== undefined && (before === undefined || after < before))
        add("narrowed-constraint", path, `${key} lowered from ${before ?? "none"} to ${after}`);
    }
    for (const key of exactConstraints) {
      const before = oldNode[key];
      const after = newNode[key];
      if (after !== undefined && JSON.stringify(before) !== JSON.stringify(after)) {
        add("narrowed-constraint", path, `${key} changed from ${JSON.stringify(before) ?? "none"} to ${JSON.stringify(after)}`);
      }
    }

    const oldProps = schemaMap(oldNode, "properties");
    const newProps = schemaMap(newNode, "properties");
    const oldRequired = new Set(stringList(oldNode, "required"));
    const join = (key: string) => (path ? `${path}.${key}` : key);
    for (const [key, schema] of Object.entries(oldProps)) {
      const next = newProps[key];
      if (!next) add("removed-field", join(key), "field was removed");
      else walk(schema, next, join(key));
    }
    for (const key of stringList(newNode, "required")) {
      if (oldRequired.has(key)) continue;
      if (key in oldProps) add("made-required", join(key), "optional field made required");
      else add("made-required", join(key), "new required field (new fields must be optional)");
    }

    const oldExtra = oldNode.additionalProperties;
    const newExtra = newNode.additionalProperties;
    if (newExtra === false && oldExtra !== false) add("closed-object", path, "no longer accepts extra fields");
    else if (isSchema(oldExtra) && isSchema(newExtra)) walk(oldExtra, newExtra, `${path}.*`);
    const oldKeys = subschema(oldNode, "propertyNames");
    const newKeys = subschema(newNode, "propertyNames");
    if (oldKeys && newKeys) {
      walk(oldKeys, newKeys, `${path}{key}`);
    } else if (newNode.propertyNames !== undefined && oldNode.propertyNames === undefined) {
      add("narrowed-constraint", `${path}{key}`, "keys are now restricted");
    }

    const oldItems = subschema(oldNode, "items");
    const newItems = subschema(newNode, "items");
    if (oldItems && newItems) walk(oldItems, newItems, `${path}[]`);
  }

  walk(oldRoot, newRoot, "");
  return changes;
}
