import { existsSync } from "node:fs";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import { formatJson } from "../../src/files/json-text.ts";
import type { LoadedEntry } from "../../src/registry/entries.ts";
import { entryFromExtraction } from "../anemoi/entry-from-extraction.ts";
import { idFromFileName, isUrl } from "../checkpoint/open.ts";
import { readCheckpoint } from "../checkpoint/read.ts";
import { CliError, defineCommand } from "./shared/command.ts";
import { entriesOption, jsonOption } from "./shared/options.ts";
import { byteProgress } from "./shared/progress.ts";

export default defineCommand({
  description:
    'Reads only the zip directory, the metadata JSON, data.pkl (scanned, never unpickled) and, for limited-area\nmodels, the coordinate arrays: over HTTP with Range requests, a few hundred KB of a multi-GB file. Prints\nthe entry; --write creates or updates entries/<id>.json instead (printing one line, or the whole result with\n--json), refreshing what was read from the file and keeping what people wrote (display, tags, configuration,\nvariants, evidence, and FIAB fields already present). A new entry is named from its metadata (task, domain,\ngrids, time step). Time steps are written as FIAB\'s runtime parses them: one unit, a day as "24h". A local\nfile needs --url only to be written.',
  positionals: [{ name: "target", label: "path | URL", description: "a checkpoint file, or an http(s) URL (Hugging Face resolve URLs work)" }],
  options: {
    id: { type: "string", valueName: "ID", description: "checkpoint id (default: the file name without .ckpt)" },
    url: { type: "string", valueName: "URL", description: "download URL to record for a local file (default: the entry's, or the URL read)" },
    write: { type: "boolean", description: "create or update entries/<id>.json" },
    entries: entriesOption,
    json: { ...jsonOption, description: "print {checkpointId, entry, warnings, transfer, change} as JSON" },
    hash: { type: "boolean", description: "compute the sha256 (local: while streaming; remote: downloads the file unless the server gives it)" },
    "allow-full-download": { type: "boolean", description: "read from a server that ignores Range by downloading the whole file" },
    "allow-private-network": { type: "boolean", description: "read from loopback and private addresses too (for tests and closed networks)" },
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", description: "HTTP timeout per request", default: 30 },
  },
  examples: [
    "npm run -s registry -- extract-basic-metadata https://huggingface.co/ecmwf/aifs-single-1.0/resolve/main/aifs-single-mse-1.0.ckpt --write",
    "npm run -s registry -- extract-basic-metadata ./model.ckpt --json",
    "npm run -s registry -- extract-basic-metadata ./model.ckpt --id my-model --url https://example.org/model.ckpt --hash --write",
  ],
  async run({ options, args, out, log }) {
    const { target } = args;
    const timeoutMs = options.timeout * 1000;
    const dir = options.entries;
    const progress = byteProgress("hashing", undefined);
    const reading = await readCheckpoint(target, {
      allowFullDownload: options["allow-full-download"],
      timeoutMs,
      allowPrivateNetwork: options["allow-private-network"],
      hash: options.hash,
      onHashProgress: (done, total) => progress.update(done, total),
      warn: (m) => log(`warning: ${m}`),
    });
    progress.finish();
    const { extraction, transfer } = reading;

    const id = options.id ?? idFromFileName(reading.fileName);
    if (!checkpointIdPattern.test(id)) throw new CliError(`"${id}" is not a valid checkpoint id; pass --id`, 2);
    // What writing needs is loaded only to write.
    const registry = options.write
      ? { ...(await import("../../src/registry/validate.ts")), ...(await import("../../src/registry/write-entries.ts")) }
      : undefined;
    const existingEntries: LoadedEntry[] = registry && existsSync(dir) ? await registry.loadValidEntries(dir) : [];
    const existing = existingEntries.find((e) => e.id === id)?.entry;
    const url = options.url ?? (isUrl(target) ? target : existing?.source.url);
    if (!url && options.write) throw new CliError(`${target} is a local file: pass --url with the address FIAB downloads it from`, 2);

    const facts = { url: url ?? "", ...reading.facts };
    const { entry: draft, warnings } = entryFromExtraction(extraction, facts, id, existing);
    const allWarnings = [...extraction.warnings, ...warnings];
    let entry: unknown = draft;
    if (!url) {
      // Read only: show what was read; source.url stays empty until --url says where FIAB downloads it from.
      delete (draft.source as { url?: string }).url;
      allWarnings.push("no --url: source.url is left out (needed to --write the entry)");
    } else {
      // Zod loads only here: reading a checkpoint without writing it does not need the contract built.
      const { parseEntry, formatProblem } = await import("../../src/contract/index.ts");
      const parsed = parseEntry(JSON.parse(JSON.stringify(draft)));
      if (!parsed.ok) throw new CliError(`the extracted entry does not satisfy the contract:\n${parsed.problems.map(formatProblem).join("\n")}`);
      entry = parsed.entry;
    }
    for (const w of allWarnings) log(`warning: ${w}`);
    if (extraction.pickle && extraction.pickle.verdict !== "safe") {
      log(
        `warning: data.pkl is ${extraction.pickle.verdict} by the reviewed list (${extraction.pickle.reasons.slice(0, 3).join("; ")}): verify-unpickling and log-run refuse to load it`,
      );
    }

    if (transfer.requests > 0) log(`extract-basic-metadata: ${transfer.requests} requests, ${transfer.bytes} of ${transfer.fileBytes} bytes`);
    let change: string | undefined;
    let file: string | undefined;
    if (registry) {
      const [written] = await registry.writeEntries(dir, existingEntries, [{ id, entry }], `with ${id}`);
      change = written!.change;
      file = written!.file;
    }
    if (options.json) out(JSON.stringify({ checkpointId: id, entry, warnings: allWarnings, transfer, ...(change ? { change, file } : {}) }, null, 2));
    else if (options.write) out(`${change} ${file}`);
    else out(formatJson(entry));
    return 0;
  },
});
