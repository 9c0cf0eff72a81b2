import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  entrySchemaReference
} from "./chunk-SJGYHPL3.js";
import "./chunk-QTIEB3S7.js";
import {
  RegistryInvalidError,
  crossCheck,
  loadValidEntries
} from "./chunk-23KZQN2E.js";
import {
  asCliError,
  checkpointDigest,
  extractCheckpoint,
  idFromFileName,
  isUrl,
  openCheckpoint
} from "./chunk-GDFSYFP5.js";
import {
  entryFile
} from "./chunk-PIT64DJA.js";
import "./chunk-Y6XR3PQD.js";
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  formatProblem,
  parseEntry
} from "./chunk-32NUYPAV.js";
import {
  CliError,
  checkpointIdPattern,
  defineCommand,
  entriesOption,
  formatJson,
  jsonOption
} from "./chunk-STXQ2W3N.js";

// tooling/commands/extract-basic-metadata.ts
import { existsSync } from "node:fs";

// tooling/anemoi/entry-from-extraction.ts
function keepOrFill(field, existing, derived, warnings) {
  if (existing === void 0) return derived;
  if (derived !== void 0 && JSON.stringify(existing) !== JSON.stringify(derived)) {
    warnings.push(`${field}: kept the entry's value; the checkpoint suggests ${JSON.stringify(derived).slice(0, 200)}`);
  }
  return existing;
}
var defined = (value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== void 0));
function entryFromExtraction(x, source, id, existing) {
  const warnings = [];
  const e = existing;
  const m = x.mapped;
  const needsFlashAttention = x.pickle?.modules.includes("flash_attn") ?? false;
  if (needsFlashAttention && !e?.requirements?.pipConstraints?.some((c) => /flash[-_]attn/.test(c))) {
    warnings.push("the pickle imports flash_attn: add a flash-attn wheel for the target platform to requirements.pipConstraints (CUDA only)");
  }
  const entry = defined({
    $schema: e?.$schema ?? entrySchemaReference,
    schemaVersion: 1,
    display: e?.display ?? { name: id, author: "", description: "" },
    tags: e?.tags,
    source: defined({ ...e?.source, url: source.url, sizeBytes: source.sizeBytes, sha256: source.sha256 ?? e?.source.sha256, etag: source.etag ?? e?.source.etag }),
    variants: e?.variants,
    model: defined({ ...m.model, timestep: keepOrFill("model.timestep", e?.model?.timestep, m.model.timestep, warnings) }),
    requirements: defined({
      ...m.requirements,
      pipConstraints: keepOrFill("requirements.pipConstraints", e?.requirements?.pipConstraints, m.requirements.pipConstraints, warnings)
    }),
    configuration: e?.configuration ?? (m.ensemble ? { ensemble: { supported: true } } : void 0),
    infrastructure: defined({
      ...e?.infrastructure,
      supportedOs: keepOrFill("infrastructure.supportedOs", e?.infrastructure?.supportedOs, needsFlashAttention ? ["linux"] : ["linux", "macos"], [])
    }),
    compatibility: e?.compatibility,
    inputs: defined({
      ...m.inputs,
      characteristics: keepOrFill("inputs.characteristics", e?.inputs?.characteristics, m.inputs.characteristics, warnings),
      qube: keepOrFill("inputs.qube", e?.inputs?.qube, m.inputs.qube, warnings)
    }),
    outputs: defined({ ...m.outputs, qube: keepOrFill("outputs.qube", e?.outputs?.qube, m.outputs.qube, warnings) }),
    provenance: m.provenance,
    pickle: x.pickle ? defined({
      globals: x.pickle.globals,
      modules: x.pickle.modules,
      weightsOnlyLoadable: x.pickle.weightsOnlyLoadable,
      verdict: x.pickle.verdict,
      flagged: x.pickle.flagged.length > 0 ? x.pickle.flagged : void 0
    }) : e?.pickle
  });
  return { entry, warnings };
}

// tooling/commands/extract-basic-metadata.ts
var extract_basic_metadata_default = defineCommand({
  name: "extract-basic-metadata",
  summary: "Read an anemoi checkpoint's metadata and pickle imports without torch, from a file or over HTTP.",
  description: "Reads only the zip directory, the metadata JSON, data.pkl (scanned, never unpickled) and, for limited-area\nmodels, the coordinate arrays: over HTTP with Range requests, a few hundred KB of a multi-GB file. Prints\nthe entry; --write creates or updates entries/<id>.json, refreshing what was read from the file and keeping\nwhat people wrote (display, tags, configuration, variants, evidence, and FIAB fields already present).",
  positionals: [{ name: "path | URL", description: "a checkpoint file, or an http(s) URL (Hugging Face resolve URLs work)" }],
  options: {
    id: { type: "string", valueName: "ID", description: "checkpoint id (default: the file name without .ckpt)" },
    url: { type: "string", valueName: "URL", description: "download URL to record for a local file (default: the entry's, or the URL read)" },
    write: { type: "boolean", description: "create or update entries/<id>.json" },
    entries: entriesOption,
    json: { ...jsonOption, description: "print {checkpointId, entry, warnings, transfer} instead of the entry alone" },
    hash: { type: "boolean", description: "compute the sha256 (local: while streaming; remote: downloads the file unless the server gives it)" },
    "allow-full-download": { type: "boolean", description: "read from a server that ignores Range by downloading the whole file" },
    timeout: { type: "string", valueName: "SECONDS", description: "HTTP timeout per request", default: "30" }
  },
  examples: [
    "npm run -s registry -- extract-basic-metadata https://huggingface.co/ecmwf/aifs-single-1.0/resolve/main/aifs-single-mse-1.0.ckpt --write",
    "npm run -s registry -- extract-basic-metadata ./model.ckpt --id my-model --url https://example.org/model.ckpt --hash"
  ],
  async run({ options, positionals, out, log }) {
    const [target] = positionals;
    const timeoutMs = Number(options.timeout) * 1e3;
    if (!(timeoutMs > 0)) throw new CliError(`--timeout must be a positive number of seconds, got "${String(options.timeout)}"`, 2);
    const dir = options.entries;
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
    const id = options.id ?? idFromFileName(opened.fileName);
    if (!checkpointIdPattern.test(id)) throw new CliError(`"${id}" is not a valid checkpoint id; pass --id`, 2);
    const existingEntries = options.write && existsSync(dir) ? await loadValidEntries(dir) : [];
    const existing = existingEntries.find((e) => e.id === id)?.entry;
    const url = options.url ?? (isUrl(target) ? target : existing?.source.url);
    if (!url) throw new CliError(`${target} is a local file: pass --url with the address FIAB downloads it from`, 2);
    const { entry: draft, warnings } = entryFromExtraction(
      extraction,
      { url, sizeBytes: opened.source.size, ...sha256 ? { sha256 } : {}, ...opened.remote?.etag ? { etag: opened.remote.etag } : {} },
      id,
      existing
    );
    const parsed = parseEntry(JSON.parse(JSON.stringify(draft)));
    if (!parsed.ok) throw new CliError(`the extracted entry does not satisfy the contract:
${parsed.problems.map(formatProblem).join("\n")}`);
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
    const transfer = opened.remote ? { requests: opened.remote.stats.requests, bytes: opened.remote.stats.bytes, fileBytes: opened.source.size } : void 0;
    if (transfer) log(`extract-basic-metadata: ${transfer.requests} requests, ${transfer.bytes} of ${transfer.fileBytes} bytes`);
    out(options.json ? JSON.stringify({ checkpointId: id, entry, warnings: [...extraction.warnings, ...warnings], ...transfer ? { transfer } : {} }, null, 2) : formatJson(entry));
    return 0;
  }
});
export {
  extract_basic_metadata_default as default
};
