import { entrySchema, formatProblem, parseEntry, problemsFromZod } from "../../src/contract/index.ts";
import { applyEvidence, type EvidenceUpdate } from "../../src/evidence/apply.ts";
import { evidenceFromResult } from "../../src/evidence/from-result.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { readJsonFile } from "../../src/files/json-file.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { readEntryForUpdate } from "../../src/registry/entries.ts";
import { CliError, defineCommand } from "./shared/command.ts";
import { entriesOption, jsonOption } from "./shared/options.ts";

const maxResultBytes = 64 * 1024 * 1024;

export default defineCommand({
  description:
    "Each result becomes an evidence record of the platform it ran on; every platform's status is then derived\nagain with the current rule. A result already recorded (same run id) is skipped, so running it twice changes\nnothing. Refuses a result for another checkpoint (id or sha256). Keeps the entry's other fields and key order;\nthe write is atomic.",
  positionals: [{ name: "id", label: "entry-id", description: "the entry to update" }],
  options: {
    from: { type: "string", valueName: "RESULT.json", multiple: true, description: "a result record (repeatable)" },
    entries: entriesOption,
    json: jsonOption,
  },
  examples: ["npm run -s registry -- update-metadata aifs-global-o48 --from result.json"],
  async run({ options, args, out, log }) {
    const { id } = args;
    if (options.from.length === 0) throw new CliError("pass at least one --from RESULT.json", 2);
    const { file, text, doc } = readEntryForUpdate(options.entries, id);
    const raw = doc as Record<string, unknown>;
    const strict = parseEntry(raw);
    const readable = entrySchema("consuming").safeParse(raw);
    if (!readable.success) throw new CliError(`${file} is not an entry: ${problemsFromZod(readable.error, raw).map(formatProblem).join("; ")}`);
    if (!strict.ok) log(`warning: ${file} has fields this tooling does not know; they are kept`);
    const entry = readable.data;
    const updates: EvidenceUpdate[] = [];
    for (const result of options.from) {
      const { update, identity } = evidenceFromResult(await readJsonFile(result, maxResultBytes), result);
      if (identity.checkpointId !== undefined && identity.checkpointId !== id)
        throw new CliError(`${result}: the result is for checkpoint ${identity.checkpointId}, not ${id}`);
      const sha = entry.source.sha256;
      if (sha && identity.checkpointSha256 !== sha)
        throw new CliError(`${result}: the result's checkpoint sha256 ${identity.checkpointSha256 ?? "(none)"} does not match the entry's ${sha}`);
      if (!sha) log(`warning: ${id} has no source.sha256 to check ${result} against`);
      updates.push(update);
    }
    const { doc: next, added } = applyEvidence(raw, updates);
    const check = entrySchema("consuming").safeParse(next);
    if (!check.success) throw new CliError(`the updated entry would not be readable: ${problemsFromZod(check.error, next).map(formatProblem).join("; ")}`);
    const nextText = formatJson(next);
    if (nextText !== text) await writeFileAtomic(file, nextText);
    const summary = {
      checkpointId: id,
      added,
      skipped: updates.length - added,
      platforms: Object.fromEntries(Object.entries(next.compatibility as Record<string, { status: string }>).map(([k, v]) => [k, v.status])),
    };
    log(`update-metadata: ${id}: ${added} new record${added === 1 ? "" : "s"}, ${summary.skipped} already recorded`);
    out(
      options.json
        ? JSON.stringify(summary, null, 2)
        : Object.entries(summary.platforms)
            .map(([k, v]) => `${k}: ${v}`)
            .join("\n"),
    );
    return 0;
  },
});
