import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  storeDocument
} from "./chunk-OHPUBFED.js";
import {
  artifactFields,
  entryFromArtifact,
  findVariants
} from "./chunk-SJGYHPL3.js";
import "./chunk-QTIEB3S7.js";
import {
  RegistryInvalidError,
  crossCheck,
  loadValidEntries
} from "./chunk-23KZQN2E.js";
import {
  entryFile
} from "./chunk-PIT64DJA.js";
import {
  InputFileError,
  readJsonFile
} from "./chunk-Y6XR3PQD.js";
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  formatProblem,
  parseEntry,
  problemsFromZod
} from "./chunk-32NUYPAV.js";
import {
  CliError,
  checkpointIdPattern,
  defineCommand,
  entriesOption,
  formatJson,
  jsonOption
} from "./chunk-STXQ2W3N.js";

// tooling/commands/import-fiab-store.ts
import { existsSync } from "node:fs";

// src/fiab/store-import.ts
var StoreFormatError = class extends Error {
};
function readStoreDocument(doc, file) {
  const parsed = storeDocument.safeParse(doc);
  if (!parsed.success) {
    const lines = problemsFromZod(parsed.error, doc).map((p) => `${file}: ${formatProblem(p)}`);
    throw new StoreFormatError(`not a FIAB store (core-1 or core-2):
${lines.join("\n")}`);
  }
  return new Map(Object.entries(parsed.data.artifacts).map(([id, artifact]) => [id, artifactFields(artifact)]));
}
function planStoreImport(artifacts, existing, entriesDir) {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const variants = findVariants(artifacts);
  const writes = [];
  const problems = [];
  for (const [id, fields] of artifacts) {
    if (!checkpointIdPattern.test(id)) {
      problems.push({ file: entryFile(entriesDir, "<id>"), path: `artifacts[${JSON.stringify(id)}]`, message: `artifact id ${JSON.stringify(id)} is not a valid checkpoint id (letters, digits, '.', '_' and '-', starting with a letter or digit)` });
      continue;
    }
    const before = byId.get(id);
    const entry = entryFromArtifact(fields, before?.entry);
    const known = [...before?.entry.variants ?? [], ...variants.get(id) ?? []];
    if (known.length > 0) entry.variants = [...new Set(known)].sort();
    const file = before?.file ?? entryFile(entriesDir, id);
    const parsed = parseEntry(JSON.parse(JSON.stringify(entry)));
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((p) => ({ file, ...p })));
      continue;
    }
    const change = !before ? "created" : JSON.stringify(before.entry) === JSON.stringify(parsed.entry) ? "unchanged" : "updated";
    writes.push({ id, file, entry: parsed.entry, change });
  }
  if (problems.length === 0) {
    const after = new Map(byId);
    for (const w of writes) after.set(w.id, { id: w.id, file: w.file, entry: w.entry });
    problems.push(...crossCheck([...after.values()].sort((a, b) => a.id < b.id ? -1 : 1)));
  }
  return { writes, problems };
}

// tooling/commands/import-fiab-store.ts
var maxStoreBytes = 64 * 1024 * 1024;
var import_fiab_store_default = defineCommand({
  name: "import-fiab-store",
  summary: "Create or update entries from a FIAB artifact store (core-1 or core-2 shape).",
  description: "Each artifact becomes entries/<local id>.json. Fields the store describes are replaced; everything else in\nan existing entry (provenance, compatibility, hand-written fields) is kept. Artifacts of one checkpoint file\n(same URL, or same name and size) list each other as variants. Nothing is written unless every resulting\nentry validates.",
  positionals: [{ name: "store.json", description: "a FIAB store document: {display_name, artifacts}" }],
  options: { entries: entriesOption, json: jsonOption },
  examples: ["npm run -s registry -- import-fiab-store artifacts.json", "npm run -s registry -- import-fiab-store artifacts.json --entries /tmp/entries --json"],
  async run({ options, positionals, out, log }) {
    const [storePath] = positionals;
    const dir = options.entries;
    let artifacts;
    try {
      artifacts = readStoreDocument(await readJsonFile(storePath, maxStoreBytes), storePath);
    } catch (error) {
      if (error instanceof InputFileError || error instanceof StoreFormatError) throw new CliError(error.message);
      throw error;
    }
    const existing = existsSync(dir) ? await loadValidEntries(dir) : [];
    const { writes, problems } = planStoreImport(artifacts, existing, dir);
    if (problems.length > 0) throw new RegistryInvalidError(`${dir} after importing ${storePath}; nothing was written`, problems);
    for (const w of writes) if (w.change !== "unchanged") await writeFileAtomic(w.file, formatJson(w.entry));
    const summary = { created: [], updated: [], unchanged: [] };
    for (const w of writes) summary[w.change].push(w.id);
    if (options.json) out(JSON.stringify(summary, null, 2));
    else for (const w of writes) out(`${w.change.padEnd(9)} ${w.file}`);
    log(`import-fiab-store: ${summary.created.length} created, ${summary.updated.length} updated, ${summary.unchanged.length} unchanged in ${dir}`);
    return 0;
  }
});
export {
  import_fiab_store_default as default
};
