import { existsSync } from "node:fs";
import { CliError, defineCommand, entriesOption, jsonOption } from "../cli/command.ts";
import { planStoreImport, readStoreDocument, StoreFormatError } from "../../src/registry/import-store.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { InputFileError, readJsonFile } from "../../src/files/json-file.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { RegistryInvalidError, loadValidEntries } from "../../src/registry/validate.ts";

const maxStoreBytes = 64 * 1024 * 1024;

export default defineCommand({
  name: "import-fiab-store",
  summary: "Create or update entries from a FIAB artifact store (core-1 or core-2 shape).",
  description:
    "Each artifact becomes entries/<local id>.json. Fields the store describes are replaced; everything else in\nan existing entry (provenance, compatibility, hand-written fields) is kept. Artifacts of one checkpoint file\n(same URL, or same name and size) list each other as variants. Nothing is written unless every resulting\nentry validates.",
  positionals: [{ name: "store.json", description: "a FIAB store document: {display_name, artifacts}" }],
  options: { entries: entriesOption, json: jsonOption },
  examples: ["npm run -s registry -- import-fiab-store artifacts.json", "npm run -s registry -- import-fiab-store artifacts.json --entries /tmp/entries --json"],
  async run({ options, positionals, out, log }) {
    const [storePath] = positionals as [string];
    const dir = options.entries as string;
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
    const summary = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
    for (const w of writes) summary[w.change].push(w.id);
    if (options.json) out(JSON.stringify(summary, null, 2));
    else for (const w of writes) out(`${w.change.padEnd(9)} ${w.file}`);
    log(`import-fiab-store: ${summary.created.length} created, ${summary.updated.length} updated, ${summary.unchanged.length} unchanged in ${dir}`);
    return 0;
  },
});
