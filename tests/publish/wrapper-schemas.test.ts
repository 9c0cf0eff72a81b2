// The wrapper documents' JSON Schemas are generated from Zod and committed under schema/v1/; the committed
// files must be what the code generates, and a change that breaks their readers must be caught.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assessWrapperSchemas, wrapperJsonSchemas, wrapperSchemaFiles, type WrapperSchemaFile } from "../../src/publish/wrapper-json-schemas.ts";
import { modelRegistrySchema } from "../../src/publish/wrapper-schemas.ts";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { copyOfEntries, readJson, repoRoot, runCli } from "../support/helpers.ts";
import { startTestRegistry } from "../support/registry-server.ts";

const committed = async () => {
  const files = new Map<string, Record<string, unknown>>();
  for (const file of wrapperSchemaFiles) files.set(file, await readJson(join(repoRoot, "schema", "v1", file)));
  return (file: WrapperSchemaFile) => files.get(file);
};

describe("the wrapper schemas", () => {
  it("match the committed snapshot (run `npm run schema:update` after a compatible change)", async () => {
    expect(assessWrapperSchemas(await committed()).map((a) => `${a.file} ${a.status}`)).toEqual(wrapperSchemaFiles.map((f) => `${f} current`));
    const text = await readFile(join(repoRoot, "schema", "v1", "model-registry.json"), "utf8");
    expect(JSON.parse(text).properties.checkpoints.additionalProperties).toEqual({ $ref: "entry.consuming.json" });
  });

  it("are checked by the schema command, which names a missing or stale file", async () => {
    const ok = await runCli(["schema"]);
    expect(ok.exitCode, ok.stderr).toBe(0);
  });

  it("tell a breaking change from a compatible one", async () => {
    const read = await committed();
    const narrowed = structuredClone(read("signatures.json")) as any;
    narrowed.properties.signatures.items.properties.algorithm = { type: "string", const: "ed448" };
    const widened = structuredClone(read("signing-keys.json")) as any;
    delete widened.properties.keys.items.properties.notAfter;
    const assessments = assessWrapperSchemas((file) => (file === "signatures.json" ? narrowed : file === "signing-keys.json" ? widened : read(file)));
    // The committed (old) schema accepted ed448 only; the new one accepts ed25519 only: readers break.
    expect(assessments.find((a) => a.file === "signatures.json")?.status).toBe("breaking");
    expect(assessments.find((a) => a.file === "signing-keys.json")?.status).toBe("compatible-change");
    expect(assessWrapperSchemas(() => undefined).every((a) => a.status === "missing")).toBe(true);
  });

  it("accept the server's integer revision and the static site's commit, and nothing else there", () => {
    const schema = modelRegistrySchema();
    expect(schema.safeParse({ schemaVersion: 1, revision: 7, checkpoints: {} }).success).toBe(true);
    expect(schema.safeParse({ schemaVersion: 1, revision: "a".repeat(40), publishedAt: "2026-01-01T00:00:00Z", checkpoints: {} }).success).toBe(true);
    expect(schema.safeParse({ schemaVersion: 1, revision: -1, checkpoints: {} }).success).toBe(false);
    expect(schema.safeParse({ schemaVersion: 1, revision: "", checkpoints: {} }).success).toBe(false);
    expect(wrapperJsonSchemas()["model-registry.json"].$id).toBe("/schema/v1/model-registry.json");
  });
});

describe("the registry server's documents", () => {
  it("validate against the same committed schemas as the static site's", async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    for (const file of ["entry.consuming.json", ...wrapperSchemaFiles]) ajv.addSchema(await readJson(join(repoRoot, "schema", "v1", file)));
    const registry = await startTestRegistry({ entriesDir: await copyOfEntries() });
    try {
      const cases = [
        ["/api/v1/checkpoints", "model-registry.json"],
        ["/api/v1/checkpoints?contract=core-1", "fiab-core-1.json"],
        ["/api/v1/checkpoints?contract=core-2", "fiab-core-2.json"],
      ] as const;
      for (const [path, schema] of cases) {
        const doc = await (await registry.call(path)).json();
        const validate = ajv.getSchema(`/schema/v1/${schema}`)!;
        expect(validate(doc) ? "valid" : ajv.errorsText(validate.errors), path).toBe("valid");
        if (schema === "model-registry.json") expect(Number.isInteger(doc.revision)).toBe(true);
      }
    } finally {
      await registry.close();
    }
  });
});
