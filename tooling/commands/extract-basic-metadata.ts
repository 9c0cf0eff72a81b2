import { existsSync } from "node:fs";
import { checkpointIdPattern, parseEntry, formatProblem, type Entry } from "../../src/contract/index.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { crossCheck } from "../../src/registry/cross-checks.ts";
import { entryFile, type LoadedEntry } from "../../src/registry/entries.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { RegistryInvalidError, loadValidEntries } from "../../src/registry/validate.ts";
import { entryFromExtraction } from "../anemoi/entry-from-extraction.ts";
import { extractCheckpoint } from "../anemoi/extract.ts";
import { checkpointDigest, idFromFileName, isUrl, openCheckpoint } from "../checkpoint/open.ts";
import { CliError, defineCommand, entriesOption, jsonOption } from "../cli/command.ts";
import { asCliError } from "../cli/errors.ts";

export default defineCommand({
  name: "extract-basic-metadata",
  summary: "Read an anemoi checkpoint's metadata and pickle imports without torch, from a file or over HTTP.",
  description:
    "Reads only the zip directory, the metadata JSON, data.pkl (scanned, never unpickled) and, for limited-area\nmodels, the coordinate arrays: over HTTP with Range requests, a few hundred KB of a multi-GB file. Prints\nthe entry; --write creates or updates entries/<id>.json, refreshing what was read from the file and keeping\nwhat people wrote (display, tags, configuration, variants, evidence, and FIAB fields already present).",
  positionals: [{ name: "path | URL", description: "a checkpoint file, or an http(s) URL (Hugging Face resolve URLs work)" }],
  options: {
    id: { type: "string", valueName: "ID", description: "checkpoint id (default: the file name without .ckpt)" },
    url: { type: "string", valueName: "URL", description: "download URL to record for a local file (default: the entry's, or the URL read)" },
    write: { type: "boolean", description: "create or update entries/<id>.json" },
    entries: entriesOption,
    json: { ...jsonOption, description: "print {checkpointId, entry, warnings, transfer} instead of the entry alone" },
    hash: { type: "boolean", description: "compute the sha256 (local: while streaming; remote: downloads the file unless the server gives it)" },
    "allow-full-download": { type: "boolean", description: "read from a server that ignores Range by downloading the whole file" },
    timeout: { type: "string", valueName: "SECONDS", description: "HTTP timeout per request", default: "30" },
  },
  examples: [
    "npm run -s registry -- extract-basic-metadata https://huggingface.co/ecmwf/aifs-single-1.0/resolve/main/aifs-single-mse-1.0.ckpt --write",
    "npm run -s registry -- extract-basic-metadata ./model.ckpt --id my-model --url https://example.org/model.ckpt --hash",
  ],
  async run({ options, positionals, out, log }) {
    const [target] = positionals as [string];
    const timeoutMs = Number(options.timeout) * 1000;
    if (!(timeoutMs > 0)) throw new CliError(`--timeout must be a positive number of seconds, got "${String(options.timeout)}"`, 2);
    const dir = options.entries as string;

    let opened;
    let extraction;
    let sha256;
    try {
      opened = await openCheckpoint(target, { allowFullDownload: Boolean(options["allow-full-download"]), timeoutMs });
      try {
        extraction = await extractCheckpoint(opened.source);
        sha256 = await checkpointDigest(opened, target, Boolean(options.hash), timeoutMs, log);
      } finally {
        await opened.source.close();
      }
    } catch (error) {
      throw asCliError(error, target);
    }

    const id = (options.id as string | undefined) ?? idFromFileName(opened.fileName);
    if (!checkpointIdPattern.test(id)) throw new CliError(`"${id}" is not a valid checkpoint id; pass --id`, 2);
    const existingEntries: LoadedEntry[] = options.write && existsSync(dir) ? await loadValidEntries(dir) : [];
    const existing: Entry | undefined = existingEntries.find((e) => e.id === id)?.entry;
    const url = (options.url as string | undefined) ?? (isUrl(target) ? target : existing?.source.url);
    if (!url) throw new CliError(`${target} is a local file: pass --url with the address FIAB downloads it from`, 2);

    const { entry: draft, warnings } = entryFromExtraction(
      extraction,
      { url, sizeBytes: opened.source.size, ...(sha256 ? { sha256 } : {}), ...(opened.remote?.etag ? { etag: opened.remote.etag } : {}) },
      id,
      existing,
    );
    const parsed = parseEntry(JSON.parse(JSON.stringify(draft)));
    if (!parsed.ok) throw new CliError(`the extracted entry does not satisfy the contract:\n${parsed.problems.map(formatProblem).join("\n")}`);
    const entry = parsed.entry;
    for (const w of [...extraction.warnings, ...warnings]) log(`warning: ${w}`);
    if (extraction.pickle?.verdict === "dangerous") log(`warning: data.pkl imports dangerous globals (${extraction.pickle.flagged.join(", ")}): later tools refuse to unpickle it`);

    if (options.write) {
      const file = existingEntries.find((e) => e.id === id)?.file ?? entryFile(dir, id);
      const others = existingEntries.filter((e) => e.id !== id);
      const problems = crossCheck([...others, { id, file, entry }]);
      if (problems.length > 0) throw new RegistryInvalidError(`${dir} with ${id}; nothing was written`, problems);
      await writeFileAtomic(file, formatJson(entry));
      log(`extract-basic-metadata: ${existing ? "updated" : "created"} ${file}`);
    }
    const transfer = opened.remote ? { requests: opened.remote.stats.requests, bytes: opened.remote.stats.bytes, fileBytes: opened.source.size } : undefined;
    if (transfer) log(`extract-basic-metadata: ${transfer.requests} requests, ${transfer.bytes} of ${transfer.fileBytes} bytes`);
    out(options.json ? JSON.stringify({ checkpointId: id, entry, warnings: [...extraction.warnings, ...warnings], ...(transfer ? { transfer } : {}) }, null, 2) : formatJson(entry));
    return 0;
  },
});
