// A JSON object (not null, not an array) read from parsed JSON whose shape is not known yet: the one guard
// for `typeof value === "object"` checks, so that reading its keys needs no cast.

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value when it is a JSON object, undefined otherwise. */
export function jsonObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}
