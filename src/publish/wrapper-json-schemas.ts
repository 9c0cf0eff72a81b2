// JSON Schemas of the wrapper documents, generated from wrapper-schemas.ts like the entry schemas are from
// the contract, and committed beside them under schema/v<N>/ (`npm run schema:update` writes them).
import { z } from "zod";
import { schemaFileNames, schemaVersion } from "../contract/index.ts";
import { findBreakingChanges, type BreakingChange } from "../contract/schema-diff.ts";
import { fiabStoreSchemas, modelRegistrySchema, signaturesSchema, signingKeysSchema } from "./wrapper-schemas.ts";

export const wrapperSchemaFiles = ["model-registry.json", "fiab-core-1.json", "fiab-core-2.json", "signatures.json", "signing-keys.json"] as const;
export type WrapperSchemaFile = (typeof wrapperSchemaFiles)[number];

const titles: Record<WrapperSchemaFile, string> = {
  "model-registry.json": "FIAB model registry: /modelRegistry.json",
  "fiab-core-1.json": "FIAB model registry: /fiab/core-1/artifacts.json (a fiab-core 1 artifact store)",
  "fiab-core-2.json": "FIAB model registry: /fiab/core-2/artifacts.json (a fiab-core 2 artifact store)",
  "signatures.json": "FIAB model registry: a document's signatures (<document>.sig)",
  "signing-keys.json": "FIAB model registry: /keys.json",
};

function generate(file: WrapperSchemaFile, schema: z.ZodType): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return { $schema, $id: `/schema/v${schemaVersion}/${file}`, title: titles[file], ...rest };
}

export function wrapperJsonSchemas(): Record<WrapperSchemaFile, Record<string, unknown>> {
  // The entries are a reference to the consuming entry schema beside it, not a copy of it.
  const entryRef = z.unknown().meta({ $ref: schemaFileNames.consuming });
  return {
    "model-registry.json": generate("model-registry.json", modelRegistrySchema(entryRef)),
    "fiab-core-1.json": generate("fiab-core-1.json", fiabStoreSchemas["core-1"]),
    "fiab-core-2.json": generate("fiab-core-2.json", fiabStoreSchemas["core-2"]),
    "signatures.json": generate("signatures.json", signaturesSchema),
    "signing-keys.json": generate("signing-keys.json", signingKeysSchema),
  };
}

/** The reference to the entry schema is checked by the entry snapshot; here it stands for "anything". */
function withoutExternalRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutExternalRefs);
  if (node === null || typeof node !== "object") return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === "string" && !ref.startsWith("#")) return {};
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withoutExternalRefs(v)]));
}

export interface WrapperSchemaAssessment {
  file: WrapperSchemaFile;
  status: "current" | "missing" | "compatible-change" | "breaking";
  breaking: BreakingChange[];
}

/** Each generated wrapper schema against the committed one (undefined when none is committed yet). */
export function assessWrapperSchemas(committed: (file: WrapperSchemaFile) => Record<string, unknown> | undefined): WrapperSchemaAssessment[] {
  const generated = wrapperJsonSchemas();
  return wrapperSchemaFiles.map((file) => {
    const previous = committed(file);
    if (!previous) return { file, status: "missing", breaking: [] };
    if (JSON.stringify(previous) === JSON.stringify(generated[file])) return { file, status: "current", breaking: [] };
    const breaking = findBreakingChanges(
      withoutExternalRefs(previous) as Record<string, unknown>,
      withoutExternalRefs(generated[file]) as Record<string, unknown>,
    );
    return { file, status: breaking.length > 0 ? "breaking" : "compatible-change", breaking };
  });
}
