import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { schemaFileNames, schemaVersion } from "../../src/contract/constants.ts";
import { assessRepositorySchema, generatedSchemas } from "../../src/contract/schema-snapshot.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { assessWrapperSchemas, wrapperJsonSchemas, type WrapperSchemaFile } from "../../src/publish/wrapper-json-schemas.ts";
import { CliError, defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";

export default defineCommand({
  description:
    "Without options: compares the JSON Schemas generated from the Zod contract with the committed snapshot of\nthe same schemaVersion and fails on any change that breaks existing entries or readers. --update writes\nthe generated schemas, refusing a breaking change unless schemaVersion was bumped with a migration.",
  options: {
    update: { type: "boolean", description: "write schema/v<N>/ from the contract" },
    dir: { type: "string", valueName: "DIR", description: "folder of schema snapshots", default: "schema" },
    json: jsonOption,
  },
  async run({ options, out, log }) {
    const assessment = assessRepositorySchema(options.dir);
    // The wrapper documents' schemas (modelRegistry.json, FIAB views, signatures) live beside the entry's.
    const committedWrapper = (file: WrapperSchemaFile) => {
      const path = join(options.dir, `v${schemaVersion}`, file);
      return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : undefined;
    };
    const wrappers = assessWrapperSchemas(committedWrapper);
    if (options.json) out(JSON.stringify({ ...assessment, wrappers }, null, 2));
    if (assessment.status === "breaking") throw new CliError(assessment.message);
    const brokenWrappers = wrappers.filter((w) => w.status === "breaking");
    if (brokenWrappers.length > 0) {
      const lines = brokenWrappers.flatMap((w) => w.breaking.map((b) => `  ${w.file} ${b.path}: ${b.message} [${b.kind}]`));
      throw new CliError(`the published documents' schemas changed in ways that break their readers:\n${lines.join("\n")}`);
    }
    if (options.update) {
      const schemas = generatedSchemas();
      for (const kind of ["authoring", "consuming"] as const) {
        await writeFileAtomic(join(options.dir, `v${schemaVersion}`, schemaFileNames[kind]), formatJson(schemas[kind]));
      }
      for (const [file, schema] of Object.entries(wrapperJsonSchemas()))
        await writeFileAtomic(join(options.dir, `v${schemaVersion}`, file), formatJson(schema));
      log(`schema: wrote ${join(options.dir, `v${schemaVersion}`)}/ (${assessment.message})`);
      return 0;
    }
    const staleWrappers = wrappers.filter((w) => w.status !== "current");
    for (const w of staleWrappers)
      log(
        `schema: ${join(options.dir, `v${schemaVersion}`, w.file)} is ${w.status === "missing" ? "missing" : "behind the code"}; refresh it with \`npm run schema:update\``,
      );
    log(`schema: ${assessment.message}`);
    return assessment.status === "current" && staleWrappers.length === 0 ? 0 : 1;
  },
});
