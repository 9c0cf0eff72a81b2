// The contract's plain values, in a module without Zod: the tools that only read a checkpoint import these
// without loading Zod or building a schema (start-up, docs/benchmarks.md).

/** Bump only with a migration of every entry (src/contract/migrations.ts) and a new schema folder. */
export const schemaVersion = 1;

export const checkpointIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type SchemaKind = "authoring" | "consuming";

export const schemaFileNames: Record<SchemaKind, string> = {
  authoring: "entry.authoring.json",
  consuming: "entry.consuming.json",
};

/** Site path of a published schema, e.g. /schema/v1/entry.authoring.json. */
export function schemaPath(kind: SchemaKind, version: number = schemaVersion): string {
  return `/schema/v${version}/${schemaFileNames[kind]}`;
}
