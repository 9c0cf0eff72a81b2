import { existsSync } from "node:fs";
import { CliError, defineCommand } from "./shared/command.ts";
import { entriesOption, jsonOption } from "./shared/options.ts";

export default defineCommand({
  description:
    "Writes what a registry server changed into an entries folder as entry files, without undoing the folder's\nown edits: the folder remembers the server revision it last took (.registry-sync.json); an entry the server\nchanged since is written when its file is unchanged since then (or absent and was absent), and reported as a\nconflict when it was edited too (exit 1; --force takes the server's). Everything is checked against the\ncontract and across the folder before anything is written; only changed files are replaced, atomically.",
  options: {
    server: { type: "string", valueName: "URL", description: "the registry server, e.g. https://registry.example.org" },
    out: { ...entriesOption, description: "the entries folder to write" },
    force: { type: "boolean", description: "write the server's version of conflicting entries too" },
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", default: 60, description: "HTTP timeout" },
    "max-bytes": {
      type: "number",
      accept: "positive integer",
      valueName: "BYTES",
      default: 1024 ** 3,
      description: "largest document accepted from the server",
    },
    json: jsonOption,
  },
  examples: ["npm run -s registry -- sync-entries --server http://127.0.0.1:8080 --out entries/"],
  async run({ options, out, log }) {
    if (!options.server) throw new CliError("sync-entries needs --server URL", 2);
    const { planSync, writeSyncState } = await import("../api/sync.ts");
    const { writeEntries } = await import("../../src/registry/write-entries.ts");
    const { loadValidEntries } = await import("../../src/registry/validate.ts");
    const dir = options.out;
    const existing = existsSync(dir) ? await loadValidEntries(dir) : [];
    const plan = await planSync(options.server, dir, existing, { timeoutMs: options.timeout * 1000, maxBytes: options["max-bytes"] });
    const taken = options.force ? [...plan.drafts, ...plan.conflicts] : plan.drafts;
    const writes = await writeEntries(dir, existing, taken, `with the changes of ${plan.server}`);
    const changed = writes.filter((w) => w.change !== "unchanged");
    const open = options.force ? [] : plan.conflicts;
    // The revision is recorded only once nothing is left behind, so that a conflict is raised again next time.
    if (open.length === 0) await writeSyncState(dir, plan.server, plan.revision);
    if (options.json) {
      out(
        JSON.stringify(
          {
            server: plan.server,
            since: plan.since,
            revision: plan.revision,
            changed: changed.map((w) => ({ id: w.id, file: w.file, change: w.change })),
            conflicts: plan.conflicts.map(({ id, why }) => ({ id, why })),
          },
          null,
          2,
        ),
      );
    } else for (const w of changed) out(`${w.change} ${w.file}`);
    for (const c of plan.conflicts)
      log(`sync-entries: ${c.id}: ${c.why}${options.force ? "; took the server's (--force)" : "; kept the folder's (--force takes the server's)"}`);
    const range = plan.revision > plan.since ? `revisions ${plan.since + 1}-${plan.revision}` : `no change since revision ${plan.since}`;
    log(
      `sync-entries: ${plan.server} ${range}: ${changed.length} written${open.length > 0 ? `, ${open.length} conflict${open.length === 1 ? "" : "s"} left` : ""}`,
    );
    return open.length > 0 ? 1 : 0;
  },
});
