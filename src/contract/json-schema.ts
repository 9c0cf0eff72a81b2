// JSON Schemas generated from the Zod contract: the only way they are made, so they cannot drift from it.
import { z } from "zod";
import { schemaPath, type SchemaKind } from "./constants.ts";
import { entrySchema } from "./entry.ts";

export function entryJsonSchema(kind: SchemaKind): Record<string, unknown> {
  const schema = entrySchema(kind);
  // Consuming readers see the input side (before unknown enum values are mapped to "unknown").
  const generated = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: schemaPath(kind),
    title: kind === "authoring" ? "FIAB model registry entry (authoring)" : "FIAB model registry entry (consuming)",
    ...rest,
  };
}
