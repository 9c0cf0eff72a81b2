import { exportStore } from "../../src/fiab/export.ts";
import { fiabContracts } from "../../src/fiab/store-contract.ts";
import { site } from "../../src/site/config.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { defineCommand } from "../cli/command.ts";
import { entriesOption, requireEntriesDir } from "../cli/options.ts";

export default defineCommand({
  description:
    "Entries that lack a field the contract version requires are left out, with a warning naming them and the\nfields. The document goes to stdout as JSON.",
  options: {
    contract: { type: "string", choices: fiabContracts, description: "FIAB store contract version", default: "core-2" },
    "display-name": { type: "string", valueName: "NAME", description: "the store's display_name", default: site.storeDisplayName },
    entries: entriesOption,
  },
  examples: ["npm run -s registry -- export-fiab-store --contract core-1 > artifacts.json"],
  async run({ options, out, log }) {
    const entries = await loadValidEntries(await requireEntriesDir(options.entries));
    const { store, excluded } = exportStore(entries, options.contract, options["display-name"]);
    for (const x of excluded) log(`export-fiab-store: ${x.id} left out of the ${options.contract} view: missing ${x.missing.join(", ")}`);
    out(JSON.stringify(store, null, 2));
    return 0;
  },
});
