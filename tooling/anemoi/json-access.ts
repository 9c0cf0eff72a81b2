// Defensive reading of metadata JSON: checkpoint metadata varies across anemoi versions, and odd values
// must read as "unknown", never crash the extraction.
import { jsonObject } from "../../src/text/json-object.ts";

export type Json = unknown;

export function obj(value: Json): Record<string, Json> | undefined {
  return jsonObject(value);
}

export function arr(value: Json): Json[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function str(value: Json): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function int(value: Json): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

export function strings(value: Json): string[] | undefined {
  const list = arr(value);
  return list?.every((v): v is string => typeof v === "string") ? list : undefined;
}

export function ints(value: Json): number[] | undefined {
  const list = arr(value);
  return list?.every((v): v is number => Number.isInteger(v)) ? list : undefined;
}

/** Follows a path of keys through nested objects. */
export function at(value: Json, ...path: string[]): Json {
  let current = value;
  for (const key of path) current = obj(current)?.[key];
  return current;
}
