// The committed JSON Schemas under schema/v<N>/ are the last published contract. A contract change must
// either keep every existing entry and reader working (then the snapshot is refreshed), or bump
// schemaVersion with a migration (then a new schema/v<N+1>/ is written beside the old one).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { schemaFileNames, schemaVersion, type SchemaKind } from "./constants.ts";
import { entryJsonSchema } from "./json-schema.ts";
import { migrations } from "./migrations.ts";
import { findBreakingChanges, type BreakingChange } from "./schema-diff.ts";

export type Schemas = Record<SchemaKind, Record<string, unknown>>;

export interface SchemaAssessment {
  status: "current" | "compatible-change" | "new-version" | "breaking";
  /** Version of the snapshot compared against. */
  previousVersion: number | undefined;
  breaking: Array<BreakingChange & { schema: SchemaKind }>;
  message: string;
}

const kinds: SchemaKind[] = ["authoring", "consuming"];

export function generatedSchemas(): Schemas {
  return { authoring: entryJsonSchema("authoring"), consuming: entryJsonSchema("consuming") };
}

/** The newest committed snapshot at or below `version`, if any. */
export function readSnapshot(schemaDir: string, atMost: number): { version: number; schemas: Schemas } | undefined {
  if (!existsSync(schemaDir)) return undefined;
  const versions = readdirSync(schemaDir)
    .map((name) => /^v(\d+)$/.exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .filter((v) => v <= atMost)
    .sort((a, b) => b - a);
  const version = versions[0];
  if (version === undefined) return undefined;
  const read = (kind: SchemaKind) => JSON.parse(readFileSync(join(schemaDir, `v${version}`, schemaFileNames[kind]), "utf8")) as Record<string, unknown>;
  return { version, schemas: { authoring: read("authoring"), consuming: read("consuming") } };
}

export function assessSchemaChange(input: {
  previous: { version: number; schemas: Schemas } | undefined;
  current: { version: number; schemas: Schemas };
  migrationVersions: readonly number[];
}): SchemaAssessment {
  const { previous, current } = input;
  if (!previous)
    return { status: "new-version", previousVersion: undefined, breaking: [], message: `no published schema yet: v${current.version} will be the first` };
  if (current.version > previous.version) {
    const missing: number[] = [];
    for (let v = previous.version + 1; v <= current.version; v++) if (!input.migrationVersions.includes(v)) missing.push(v);
    if (missing.length > 0) {
      return {
        status: "breaking",
        previousVersion: previous.version,
        breaking: [],
        message: `schemaVersion went from ${previous.version} to ${current.version} without a migration to ${missing.join(", ")} in src/contract/migrations.ts`,
      };
    }
    return {
      status: "new-version",
      previousVersion: previous.version,
      breaking: [],
      message: `schemaVersion ${current.version} with migrations from ${previous.version}`,
    };
  }
  // Authoring: an old entry must still validate. Consuming: what an old reader accepts must still cover
  // what the new contract lets writers produce, so compare the old consuming schema with the new one too.
  const breaking = kinds.flatMap((kind) => findBreakingChanges(previous.schemas[kind], current.schemas[kind]).map((change) => ({ ...change, schema: kind })));
  if (breaking.length > 0) {
    const lines = breaking.map((b) => `  ${b.schema} ${b.path}: ${b.message} [${b.kind}]`);
    return {
      status: "breaking",
      previousVersion: previous.version,
      breaking,
      message: `the contract changed in ways that break existing entries or readers of schema v${previous.version}:\n${lines.join("\n")}\nMake the change compatible (new fields optional, keep enum values and fields), or bump schemaVersion and add a migration.`,
    };
  }
  const same = kinds.every((kind) => JSON.stringify(previous.schemas[kind]) === JSON.stringify(current.schemas[kind]));
  return same
    ? { status: "current", previousVersion: previous.version, breaking: [], message: `schema v${current.version} matches the published snapshot` }
    : {
        status: "compatible-change",
        previousVersion: previous.version,
        breaking: [],
        message: `the contract changed compatibly; refresh the snapshot with \`npm run schema:update\``,
      };
}

export function assessRepositorySchema(schemaDir: string): SchemaAssessment {
  return assessSchemaChange({
    previous: readSnapshot(schemaDir, schemaVersion),
    current: { version: schemaVersion, schemas: generatedSchemas() },
    migrationVersions: Object.keys(migrations).map(Number),
  });
}
