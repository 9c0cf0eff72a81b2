import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { checkpointIdPattern, parseEntry, verificationResult } from "../../src/contract/index.ts";
import { writeFileAtomic } from "../../src/registry/atomic-write.ts";
import { entryFile } from "../../src/registry/entries.ts";
import { formatJson, parseJsonText } from "../../src/registry/json-text.ts";
import { ExtractionError } from "../anemoi/extract.ts";
import { isUrl } from "../anemoi/open-source.ts";
import { CliError, defineCommand, entriesOption } from "../command.ts";
import { PickleScanError } from "../pickle/scan.ts";
import { ZipFormatError } from "../zip/zip-error.ts";
import { cachedCheckpoint, CheckpointFileError, defaultCacheDir } from "../verify/checkpoint-file.ts";
import { EnvironmentError } from "../verify/python-env.ts";
import { verifyCheckpoint, type CheckpointFile } from "../verify/verify.ts";

function positiveNumber(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new CliError(`--${name} must be a positive number, got "${String(value)}"`, 2);
  return n;
}

async function resolveTarget(target: string, entriesDir: string, cacheDir: string, timeoutMs: number): Promise<CheckpointFile> {
  if (isUrl(target)) return { path: await cachedCheckpoint(target, {}, { cacheDir, timeoutMs }) };
  if (existsSync(target)) return { path: target };
  if (!checkpointIdPattern.test(target) || !existsSync(entryFile(entriesDir, target))) {
    throw new CliError(`"${target}" is neither a file, an http(s) URL, nor an entry in ${entriesDir}`, 2);
  }
  const parsed = parseEntry(parseJsonText(await readFile(entryFile(entriesDir, target), "utf8")));
  if (!parsed.ok) throw new CliError(`${entryFile(entriesDir, target)} does not validate; run validate first`);
  const { url, sizeBytes, sha256 } = parsed.entry.source;
  return { path: await cachedCheckpoint(url, { sizeBytes, sha256 }, { cacheDir, timeoutMs }), checkpointId: target, sha256 };
}

export default defineCommand({
  name: "verify-unpickling",
  summary: "Prove a checkpoint loads with exactly its requirements, in a fresh environment and a limited process.",
  description:
    "Scans data.pkl first and refuses a dangerous one before any Python runs (--allow-unsafe overrides). Then makes\na fresh virtual environment (uv, else python -m venv), installs the checkpoint's requirements exactly as its\nmetadata gives them (see README, \"Requirement policy\"), and runs torch.load(weights_only=False) and\n(weights_only=True) in a separate process group under --timeout and --memory-limit. Prints the result record\n(JSON); update-metadata turns it into evidence. Exits 0 when the checkpoint loaded, 1 otherwise.",
  positionals: [{ name: "entry-id | path | URL", description: "an entry of --entries (its URL is downloaded to the cache), a file, or a URL" }],
  options: {
    python: { type: "string", valueName: "PATH", description: "Python interpreter for the environment", default: "python3" },
    "index-url": { type: "string", valueName: "URL", description: "package index (pip --index-url)" },
    "extra-index-url": { type: "string", valueName: "URL", multiple: true, description: "additional package index, e.g. https://download.pytorch.org/whl/cpu (repeatable)" },
    "find-links": { type: "string", valueName: "DIR", multiple: true, description: "folder of wheels (repeatable)" },
    offline: { type: "boolean", description: "use no package index, only --find-links and --system-site-packages" },
    "system-site-packages": { type: "boolean", description: "let the environment see the interpreter's packages (e.g. a system torch)" },
    "keep-local-labels": { type: "boolean", description: "keep local version labels such as +cu126 in pins" },
    timeout: { type: "string", valueName: "SECONDS", description: "time limit of the loading process", default: "600" },
    "memory-limit": { type: "string", valueName: "MiB", description: "address-space limit of the loading process" },
    "keep-env": { type: "boolean", description: "keep the environment for inspection" },
    "allow-unsafe": { type: "boolean", description: "unpickle even a checkpoint the scan flags dangerous" },
    out: { type: "string", valueName: "FILE", description: "also write the result record to FILE" },
    "cache-dir": { type: "string", valueName: "DIR", description: "download cache", default: defaultCacheDir() },
    entries: entriesOption,
  },
  examples: [
    "npm run -s registry -- verify-unpickling aifs-single-mse-1.1_w_sdpa --extra-index-url https://download.pytorch.org/whl/cpu --out result.json",
    "npm run -s registry -- verify-unpickling model.ckpt --offline --find-links ./wheelhouse --system-site-packages",
  ],
  async run({ options, positionals, out, log }) {
    const [target] = positionals as [string];
    const timeoutMs = positiveNumber("timeout", options.timeout)! * 1000;
    const memoryLimitMiB = positiveNumber("memory-limit", options["memory-limit"]);
    try {
      const file = await resolveTarget(target, options.entries as string, options["cache-dir"] as string, 60_000);
      const result = await verifyCheckpoint(file, {
        python: options.python as string,
        source: {
          ...(options["index-url"] ? { indexUrl: options["index-url"] as string } : {}),
          extraIndexUrls: (options["extra-index-url"] as string[] | undefined) ?? [],
          findLinks: (options["find-links"] as string[] | undefined) ?? [],
          offline: Boolean(options.offline),
        },
        systemSitePackages: Boolean(options["system-site-packages"]),
        timeoutMs,
        memoryLimitMiB,
        keepEnv: Boolean(options["keep-env"]),
        allowUnsafe: Boolean(options["allow-unsafe"]),
        keepLocalLabels: Boolean(options["keep-local-labels"]),
        log,
      });
      verificationResult.parse(result);
      for (const note of result.requirementNotes) log(`note: ${note}`);
      log(`verify-unpickling: ${result.status}: ${result.summary}`);
      const text = formatJson(result);
      if (options.out) await writeFileAtomic(options.out as string, text);
      out(text);
      return result.status === "ok" ? 0 : 1;
    } catch (error) {
      if (error instanceof CheckpointFileError || error instanceof EnvironmentError || error instanceof ZipFormatError || error instanceof ExtractionError) throw new CliError(error.message);
      if (error instanceof PickleScanError) throw new CliError(`${target}: data.pkl: ${error.message}`);
      throw error;
    }
  },
});
