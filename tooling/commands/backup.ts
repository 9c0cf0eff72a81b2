import { CliError, defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";

export default defineCommand({
  description:
    "Copies the registry server's database to FILE while the server runs: a consistent snapshot (sqlite's online\nbackup), written beside FILE and renamed into place once its integrity check passes.",
  options: {
    db: { type: "string", valueName: "FILE", default: "registry.db", description: "the server's database" },
    out: { type: "string", valueName: "FILE", description: "where the copy goes (replaced if it exists)" },
    json: jsonOption,
  },
  examples: ["npm run -s registry -- backup --db registry.db --out backups/registry-$(date +%F).db"],
  async run({ options, out, log }) {
    if (!options.out) throw new CliError("backup needs --out FILE", 2);
    const { backupDatabase } = await import("../server/backup.ts");
    const result = await backupDatabase(options.db, options.out);
    if (options.json) out(JSON.stringify(result, null, 2));
    else out(options.out);
    log(`backup: ${options.db} -> ${options.out}: ${result.bytes} bytes, revision ${result.revision}, ${result.entries} entries, integrity ok`);
    return 0;
  },
});
