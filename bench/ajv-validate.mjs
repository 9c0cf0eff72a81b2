// The yardstick of `validate`: the published authoring schema, compiled by ajv, over every file of an entries
// folder (each read, parsed and validated; the invalid ones counted). Plain JavaScript, so that Node runs it
// without type stripping: `node bench/ajv-validate.mjs DIR`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const dir = process.argv[2];
const schema = JSON.parse(readFileSync(new URL("../schema/v1/entry.authoring.json", import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);
let invalid = 0;
const names = readdirSync(dir)
  .filter((name) => name.endsWith(".json"))
  .sort();
for (const name of names) if (!validate(JSON.parse(readFileSync(join(dir, name), "utf8")))) invalid++;
process.stderr.write(`ajv: ${names.length} entries, ${invalid} invalid\n`);
process.exitCode = invalid > 0 ? 1 : 0;
