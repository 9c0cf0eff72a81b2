import { readFile } from "node:fs/promises";
import { consumingEntry, formatProblem, parseEntry, problemsFromZod } from "../../src/contract/index.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { entryFile } from "../../src/registry/entries.ts";
import { evidenceFromResult, ResultError } from "../../src/evidence/from-result.ts";
import { applyEvidence, type EvidenceUpdate } from "../../src/evidence/apply.ts";
import { InputFileError, readJsonFile } from "../../src/files/json-file.ts";
import { formatJson, JsonSyntaxError, parseJsonText } from "../../src/files/json-text.ts";
import { CliError, defineCommand, entriesOption, jsonOption } from "../cli/command.ts";

export default defineCommand({
  name: "update-metadata",
  summary: "Record check results (verify-unpickling, compare-runs) as compatibility evidence of an entry.",
  description:
    "Each result becomes an evidence record of the platform it ran on; every platform's status is then derived\nagain with the current rule. A result already recorded (same run id) is skipped, so running it twice changes\nnothing. Refuses a result for another checkpoint (id or sha256). Keeps the entry's other fields and key order;\nthe write is atomic.",
  positionals: [{ name: "entry-id", description: "the entry to update" }],
  options: {
    from: { type: "string", valueName: "RESULT.json", multiple: true, description: "a result record (repeatable)" },
    entries: entriesOption,
    json: jsonOption,
  },
  examples: ["npm run -s registry -- update-metadata aifs-global-o48 --from result.json"],
  async run({ options, positionals, out, log }) {
    const [id] = positionals as [string];
    const files = (options.from as string[] | undefined) ?? [];
    if (files.length === 0) throw new CliError("pass at least one --from RESULT.json", 2);
    const path = entryFile(options.entries as string, id);
    const text = await readFile(path, "utf8").catch(() => {
      throw new CliError(`no entry ${id} (${path})`);
    });
    let raw: Record<string, unknown>;
    try {
      raw = parseJsonText(text) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw new CliError(`${path}:${error.line}:${error.column}: ${error.message}`);
      throw error;
    }
    const strict = parseEntry(raw);
    const entry = strict.ok ? strict.entry : consumingEntry.parse(raw);
    if (!strict.ok) log(`warning: ${path} has fields this tooling does not know; they are kept`);
    const updates: EvidenceUpdate[] = [];
    for (const file of files) {
      try {
        const { update, identity } = evidenceFromResult(await readJsonFile(file, 64 * 1024 * 1024), file);
        if (identity.checkpointId !== undefined && identity.checkpointId !== id) throw new CliError(`${file}: the result is for checkpoint ${identity.checkpointId}, not ${id}`);
        const sha = entry.source.sha256;
        if (sha && identity.checkpointSha256 !== sha) throw new CliError(`${file}: the result's checkpoint sha256 ${identity.checkpointSha256 ?? "(none)"} does not match the entry's ${sha}`);
        if (!sha) log(`warning: ${id} has no source.sha256 to check ${file} against`);
        updates.push(update);
      } catch (error) {
        if (error instanceof ResultError || error instanceof InputFileError) throw new CliError(error.message);
        throw error;
      }
    }
    const { doc, added } = applyEvidence(raw, updates);
    const check = consumingEntry.safeParse(doc);
    if (!check.success) throw new CliError(`the updated entry would not be readable: ${problemsFromZod(check.error, doc).map(formatProblem).join("; ")}`);
    const next = formatJson(doc);
    if (next !== text) await writeFileAtomic(path, next);
    const summary = { checkpointId: id, added, skipped: updates.length - added, platforms: Object.fromEntries(Object.entries(doc.compatibility as Record<string, { status: string }>).map(([k, v]) => [k, v.status])) };
    log(`update-metadata: ${id}: ${added} new record${added === 1 ? "" : "s"}, ${summary.skipped} already recorded`);
    out(options.json ? JSON.stringify(summary, null, 2) : Object.entries(summary.platforms).map(([k, v]) => `${k}: ${v}`).join("\n"));
    return 0;
  },
});
