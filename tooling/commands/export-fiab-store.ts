import { exportStore } from "../../src/fiab/export.ts";
import { fiabContracts } from "../../src/fiab/store-contract.ts";
import { site } from "../../src/site/config.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { defineCommand } from "./shared/command.ts";
import { entriesOption, requireEntriesDir } from "./shared/options.ts";

export default defineCommand({
  description:
    'Entries that lack a field the contract version requires, or hold a value FIAB\'s runtime raises on (a time\nstep earthkit-data cannot parse, a pip requirement uv refuses, a nested model\'s region not among its inputs),\nare left out, with a warning naming them and the fields. Time steps are published in the one-unit form FIAB\nparses ("24h", not "1d"). The document goes to stdout as JSON.',
  options: {
    contract: { type: "string", choices: fiabContracts, description: "FIAB store contract version", default: "core-2" },
    "display-name": { type: "string", valueName: "NAME", description: "the store's display_name", default: site.storeDisplayName },
    entries: entriesOption,
  },
  examples: ["npm run -s registry -- export-fiab-store --contract core-1 > artifacts.json"],
  async run({ options, out, log }) {
    const entries = await loadValidEntries(await requireEntriesDir(options.entries));
    const { store, excluded } = exportStore(entries, options.contract, options["display-name"]);
    for (const x of excluded) {
      const missing = x.gaps.filter((g) => g.message === "missing").map((g) => g.path);
      const wrong = x.gaps.filter((g) => g.message !== "missing").map((g) => `${g.path}: ${g.message}`);
      const why = [...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []), ...wrong].join("; ");
      log(`export-fiab-store: ${x.id} left out of the ${options.contract} view: ${why}`);
    }
    out(JSON.stringify(store, null, 2));
    return 0;
  },
});
