import { describe, expect, it } from "vitest";
import { entryJsonSchema } from "../../src/contract/index.ts";
import { schemaFields, typeLabel } from "../../src/site/schema-fields.ts";

const rows = schemaFields(entryJsonSchema("authoring"));
const byPath = new Map(rows.map((r) => [r.path, r]));

describe("schemaFields on the real contract", () => {
  it("lists every top-level field with its presence", () => {
    const top = rows.filter((r) => r.depth === 0).map((r) => r.path);
    expect(top).toEqual([
      "$schema",
      "schemaVersion",
      "display",
      "tags",
      "publication",
      "source",
      "variants",
      "model",
      "requirements",
      "configuration",
      "infrastructure",
      "compatibility",
      "inputs",
      "outputs",
      "provenance",
      "pickle",
      "sources",
    ]);
    expect(byPath.get("display")?.presence).toBe("required");
    expect(byPath.get("display.comment")?.presence).toBe("optional");
    expect(byPath.get("schemaVersion")?.type).toBe("number = 1");
  });

  it("carries descriptions, enum values, defaults and key rules", () => {
    expect(byPath.get("source.url")?.description).toBe("Where FIAB downloads the checkpoint file from.");
    expect(byPath.get("infrastructure.supportedOs")?.enumValues).toEqual(['"linux"', '"macos"']);
    expect(byPath.get("compatibility.*.status")).toMatchObject({
      defaultValue: '"unknown"',
      enumValues: ['"unknown"', '"compatible"', '"degraded"', '"incompatible"'],
    });
    expect(byPath.get("compatibility")?.keys).toMatch(/^A platform: os-arch-accelerator/);
    expect(byPath.get("compatibility.*.evidence[].tool.name")?.presence).toBe("required");
    expect(byPath.get("tags")?.type).toBe("map<string, string | null>");
  });

  it("expands the recursive qube node once and points back to it after", () => {
    expect(byPath.get("inputs.qube")?.type).toBe("QubeNode | map<string, QubeNode>");
    expect(byPath.get("inputs.qube.values.dtype")?.enumValues).toEqual(['"str"', '"int64"']);
    expect(byPath.get("inputs.qube.children[]")?.seeAlso).toBe("inputs.qube");
    expect(byPath.get("outputs.qube")?.seeAlso).toBe("inputs.qube");
    expect(rows.some((r) => r.path.startsWith("outputs.qube.key") || r.path.startsWith("inputs.qube.children[]."))).toBe(false);
  });

  it("gives every row a description and a unique path", () => {
    expect(new Set(rows.map((r) => r.path)).size).toBe(rows.length);
    expect(rows.filter((r) => !r.description).map((r) => r.path)).toEqual([]);
  });
});

describe("typeLabel", () => {
  it("names arrays, unions, maps and refs", () => {
    expect(typeLabel({ type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } })).toBe("(string | integer)[]");
    expect(typeLabel({ type: "object", additionalProperties: {} })).toBe("map<string, any>");
    expect(typeLabel({ $ref: "#/$defs/QubeNode" })).toBe("QubeNode");
    expect(typeLabel({ anyOf: [{ type: "integer" }, { type: "null" }] })).toBe("integer | null");
    expect(typeLabel({})).toBe("any");
  });
});
