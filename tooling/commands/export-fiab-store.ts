import { CliError, defineCommand, entriesOption } from "../cli/command.ts";
import { exportStore } from "../../src/fiab/export.ts";
import { fiabContracts, type FiabContract } from "../../src/fiab/store-contract.ts";
import { site } from "../../src/site/config.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { requireEntriesDir } from "../cli/entries-dir.ts";

export default defineCommand({
  name: "export-fiab-store",
  summary: "Print the FIAB store document (core-1 or core-2) that an unmodified FIAB reads.",
  description:
    "Entries that lack a field the contract version requires are left out, with a warning naming them and the\nfields. The document goes to stdout as JSON.",
  options: {
    contract: { type: "string", valueName: "core-1|core-2", description: "FIAB store contract version", default: "core-2" },
    "display-name": { type: "string", valueName: "NAME", description: "the store's display_name", default: site.storeDisplayName },
    entries: entriesOption,
  },
  examples: ["npm run -s registry -- export-fiab-store --contract core-1 > artifacts.json"],
  async run({ options, out, log }) {
    const contract = options.contract as string;
    if (!(fiabContracts as readonly string[]).includes(contract)) {
      throw new CliError(`--contract must be one of ${fiabContracts.join(", ")}, got "${contract}"`, 2);
    }
    const entries = await loadValidEntries(await requireEntriesDir(options.entries as string));
    const { store, excluded } = exportStore(entries, contract as FiabContract, options["display-name"] as string);
    for (const x of excluded) log(`export-fiab-store: ${x.id} left out of the ${contract} view: missing ${x.missing.join(", ")}`);
    out(JSON.stringify(store, null, 2));
    return 0;
  },
});
