import { join } from "node:path";
import { schemaFileNames, schemaVersion } from "../../src/contract/constants.ts";
import { assessRepositorySchema, generatedSchemas } from "../../src/contract/schema-snapshot.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { CliError, defineCommand } from "../cli/command.ts";
import { jsonOption } from "../cli/options.ts";

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
    if (options.json) out(JSON.stringify(assessment, null, 2));
    if (assessment.status === "breaking") throw new CliError(assessment.message);
    if (options.update) {
      const schemas = generatedSchemas();
      for (const kind of ["authoring", "consuming"] as const) {
        await writeFileAtomic(join(options.dir, `v${schemaVersion}`, schemaFileNames[kind]), formatJson(schemas[kind]));
      }
      log(`schema: wrote ${join(options.dir, `v${schemaVersion}`)}/ (${assessment.message})`);
      return 0;
    }
    log(`schema: ${assessment.message}`);
    return assessment.status === "current" ? 0 : 1;
  },
});
