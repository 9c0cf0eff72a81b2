import { existsSync } from "node:fs";
import { CliError, defineCommand } from "../cli/command.ts";
import { entriesOption, jsonOption } from "../cli/options.ts";

export default defineCommand({
  description:
    "Writes a registry server's entries into an entries folder as entry files: each checked against the contract\nand across the folder before anything is written, then only changed files replaced (atomically, in the one\nstable format). So the server's registrations reach git, and the static catalog stays the publishing path.\nEntries only in the folder are kept and listed.",
  options: {
    server: { type: "string", valueName: "URL", description: "the registry server, e.g. https://registry.example.org" },
    out: { ...entriesOption, description: "the entries folder to write" },
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", default: 60, description: "HTTP timeout" },
    "max-bytes": { type: "number", accept: "positive integer", valueName: "BYTES", default: 1024 ** 3, description: "largest document accepted from the server" },
    json: jsonOption,
  },
  examples: ["npm run -s registry -- sync-entries --server http://127.0.0.1:8080 --out entries/"],
  async run({ options, out, log }) {
    if (!options.server) throw new CliError("sync-entries needs --server URL", 2);
    const { fetchServerEntries } = await import("../server/sync.ts");
    const { writeEntries } = await import("../../src/registry/write-entries.ts");
    const { loadValidEntries } = await import("../../src/registry/validate.ts");
    const fetched = await fetchServerEntries(options.server, { timeoutMs: options.timeout * 1000, maxBytes: options["max-bytes"] });
    const dir = options.out;
    const existing = existsSync(dir) ? await loadValidEntries(dir) : [];
    const writes = await writeEntries(dir, existing, fetched.entries, `with the entries of ${fetched.url}`);
    const onServer = new Set(fetched.entries.map((e) => e.id));
    const localOnly = existing.filter((e) => !onServer.has(e.id)).map((e) => e.id);
    const changed = writes.filter((w) => w.change !== "unchanged");
    if (options.json) {
      out(JSON.stringify({ server: fetched.url, revision: fetched.revision, changed: changed.map((w) => ({ id: w.id, file: w.file, change: w.change })), unchanged: writes.length - changed.length, localOnly }, null, 2));
    } else for (const w of changed) out(`${w.change} ${w.file}`);
    if (localOnly.length > 0) log(`sync-entries: ${localOnly.length} entr${localOnly.length === 1 ? "y is" : "ies are"} in ${dir} but not on the server (kept): ${localOnly.slice(0, 10).join(", ")}${localOnly.length > 10 ? ", ..." : ""}`);
    log(`sync-entries: revision ${fetched.revision} of ${fetched.url}: ${changed.length} written, ${writes.length - changed.length} unchanged`);
    return 0;
  },
});
