// The contract may only change in ways that keep existing entries and readers working, unless
// schemaVersion is bumped with a migration. This file is also the check that guards the real contract.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assessRepositorySchema, assessSchemaChange, generatedSchemas, type Schemas } from "../../src/contract/schema-snapshot.ts";
import { findBreakingChanges } from "../../src/contract/schema-diff.ts";
import { repoRoot } from "../support/helpers.ts";

describe("the real contract", () => {
  it("matches the committed schema snapshot (run `npm run schema:update` after a compatible change)", () => {
    const assessment = assessRepositorySchema(join(repoRoot, "schema"));
    expect(assessment.message).toBe("schema v1 matches the published snapshot");
    expect(assessment.status).toBe("current");
  });
});

// A small contract in two versions, converted to JSON Schema by Zod exactly like the real one.
const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
const before = z.strictObject({
  url: z.string(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  size: z.number().int().optional(),
  status: z.enum(["unknown", "compatible", "incompatible"]),
  tags: z.record(z.string(), z.string().nullable()).optional(),
});
const kinds = (schema: z.ZodType) => findBreakingChanges(toSchema(before), toSchema(schema)).map((c) => `${c.kind} ${c.path}: ${c.message}`);

describe("breaking changes are caught", () => {
  it("a removed field", () => {
    expect(kinds(before.omit({ sha256: true }))).toEqual(["removed-field sha256: field was removed"]);
  });
  it("an optional field made required", () => {
    expect(kinds(before.extend({ size: z.number().int() }))).toEqual(["made-required size: optional field made required"]);
  });
  it("a new required field", () => {
    expect(kinds(before.extend({ owner: z.string() }))).toEqual(["made-required owner: new required field (new fields must be optional)"]);
  });
  it("a narrowed type", () => {
    expect(kinds(before.extend({ tags: z.record(z.string(), z.string()).optional() }))).toEqual([
      "narrowed-type tags.*: type null is no longer accepted (now string)",
    ]);
    expect(kinds(before.extend({ size: z.string().optional() }))).toEqual(["narrowed-type size: type integer is no longer accepted (now string)"]);
  });
  it("a removed enum value", () => {
    expect(kinds(before.extend({ status: z.enum(["unknown", "compatible"]) }))).toEqual(['removed-enum-value status: enum value "incompatible" was removed']);
  });
  it("a tightened constraint", () => {
    expect(
      kinds(
        before.extend({
          sha256: z
            .string()
            .regex(/^[0-9a-f]{128}$/)
            .optional(),
        }),
      )[0],
    ).toMatch(/^narrowed-constraint sha256: pattern changed/);
  });
  it("but not compatible changes: a new optional field, a new enum value, a widened type", () => {
    expect(kinds(before.extend({ mirrors: z.array(z.string()).optional() }))).toEqual([]);
    expect(kinds(before.extend({ status: z.enum(["unknown", "compatible", "incompatible", "degraded"]) }))).toEqual([]);
    expect(kinds(before.extend({ size: z.number().optional() }))).toEqual([]);
  });
  it("follows recursive $refs (the qube) without looping", () => {
    const schemas = generatedSchemas();
    expect(findBreakingChanges(schemas.authoring, schemas.authoring)).toEqual([]);
    const narrowed = structuredClone(schemas.authoring) as any;
    narrowed.$defs.QubeNode.properties.values.properties.dtype.enum = ["str"];
    expect(findBreakingChanges(schemas.authoring, narrowed).map((c) => c.path)).toEqual([
      "inputs.qube.values.dtype",
      "inputs.qube.*.values.dtype",
      "outputs.qube.values.dtype",
      "outputs.qube.*.values.dtype",
    ]);
  });
  it("on the real contract: a field removed from a nested part is named by its entry path", () => {
    const schemas = generatedSchemas();
    const next = structuredClone(schemas.authoring) as any;
    delete next.properties.source.properties.sha256;
    expect(findBreakingChanges(schemas.authoring, next)).toEqual([{ kind: "removed-field", path: "source.sha256", message: "field was removed" }]);
  });
});

describe("versioning", () => {
  const v1: Schemas = { authoring: toSchema(before), consuming: toSchema(before) };
  const narrowed = toSchema(before.omit({ sha256: true }));
  const v2: Schemas = { authoring: narrowed, consuming: narrowed };

  it("refuses a breaking change within one schemaVersion", () => {
    const a = assessSchemaChange({ previous: { version: 1, schemas: v1 }, current: { version: 1, schemas: v2 }, migrationVersions: [] });
    expect(a.status).toBe("breaking");
    expect(a.message).toContain("authoring sha256: field was removed [removed-field]");
  });
  it("refuses a schemaVersion bump without a migration", () => {
    const a = assessSchemaChange({ previous: { version: 1, schemas: v1 }, current: { version: 2, schemas: v2 }, migrationVersions: [] });
    expect(a).toMatchObject({ status: "breaking", message: "schemaVersion went from 1 to 2 without a migration to 2 in src/contract/migrations.ts" });
  });
  it("accepts a breaking change with a schemaVersion bump and its migration", () => {
    const a = assessSchemaChange({ previous: { version: 1, schemas: v1 }, current: { version: 2, schemas: v2 }, migrationVersions: [2] });
    expect(a.status).toBe("new-version");
  });
  it("asks for a snapshot refresh after a compatible change", () => {
    const wider = toSchema(before.extend({ mirrors: z.array(z.string()).optional() }));
    const a = assessSchemaChange({
      previous: { version: 1, schemas: v1 },
      current: { version: 1, schemas: { authoring: wider, consuming: wider } },
      migrationVersions: [],
    });
    expect(a.status).toBe("compatible-change");
  });
});
