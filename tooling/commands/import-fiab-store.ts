import { existsSync } from "node:fs";
import { readJsonFile } from "../../src/files/json-file.ts";
import { readStoreDocument, storeImportDrafts } from "../../src/registry/import-store.ts";
import { RegistryInvalidError, loadValidEntries } from "../../src/registry/validate.ts";
import { writeEntries } from "../../src/registry/write-entries.ts";
import { defineCommand } from "./shared/command.ts";
import { entriesOption, jsonOption } from "./shared/options.ts";

const maxStoreBytes = 64 * 1024 * 1024;

export default defineCommand({
  description:
    "Each artifact becomes entries/<local id>.json. Fields the store describes are replaced; everything else in\nan existing entry (provenance, compatibility, hand-written fields) is kept. Artifacts of one checkpoint file\n(same URL, or same name and size) list each other as variants. Nothing is written unless every resulting\nentry validates.",
  positionals: [{ name: "store", label: "store.json", description: "a FIAB store document: {display_name, artifacts}" }],
  options: { entries: entriesOption, json: jsonOption },
  examples: [
    "npm run -s registry -- import-fiab-store artifacts.json",
    "npm run -s registry -- import-fiab-store artifacts.json --entries /tmp/entries --json",
  ],
  async run({ options, args, out, log }) {
    const dir = options.entries;
    const artifacts = readStoreDocument(await readJsonFile(args.store, maxStoreBytes), args.store);
    const existing = existsSync(dir) ? await loadValidEntries(dir) : [];
    const { drafts, problems } = storeImportDrafts(artifacts, existing, dir);
    if (problems.length > 0) throw new RegistryInvalidError(`${dir} after importing ${args.store}; nothing was written`, problems);
    const writes = await writeEntries(dir, existing, drafts, `after importing ${args.store}`);
    const summary = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
    for (const w of writes) summary[w.change].push(w.id);
    if (options.json) out(JSON.stringify(summary, null, 2));
    else for (const w of writes) out(`${w.change.padEnd(9)} ${w.file}`);
    log(`import-fiab-store: ${summary.created.length} created, ${summary.updated.length} updated, ${summary.unchanged.length} unchanged in ${dir}`);
    return 0;
  },
});
