import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  entryFile
} from "./chunk-PIT64DJA.js";
import {
  InputFileError,
  readJsonFile
} from "./chunk-Y6XR3PQD.js";
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  comparisonResult,
  currentStatusRule,
  deriveStatus,
  formatProblem,
  parseEntry,
  problemsFromZod,
  verificationResult
} from "./chunk-32NUYPAV.js";
import {
  CliError,
  JsonSyntaxError,
  consumingEntry,
  defineCommand,
  entriesOption,
  formatJson,
  jsonOption,
  parseJsonText
} from "./chunk-STXQ2W3N.js";

// tooling/commands/update-metadata.ts
import { readFile } from "node:fs/promises";

// src/registry/evidence-from-result.ts
var ResultError = class extends Error {
};
function fromVerification(r) {
  if (r.status === "refused-unsafe") throw new ResultError(`run ${r.runId} was refused before running (refused-unsafe): it says nothing about compatibility`);
  if (!r.platform) throw new ResultError(`run ${r.runId} has no platform fingerprint`);
  const p = r.platform;
  return {
    platform: p.key,
    runId: r.runId,
    evidence: {
      check: "unpickle",
      result: r.status === "ok" ? "pass" : "fail",
      summary: `${r.status}: ${r.summary}`.slice(0, 500),
      date: r.date,
      tool: r.tool,
      environment: {
        os: p.os,
        arch: p.arch,
        ...p.python ? { python: p.python } : {},
        ...p.torch ? { torch: p.torch } : {},
        ...p.accelerator ? { accelerator: p.accelerator } : {},
        ...p.cudaAvailable && p.cudaVersion ? { cuda: p.cudaVersion } : {},
        ...Object.keys(r.installed).length > 0 ? { packages: r.installed } : {}
      },
      ...r.checkpointSha256 ? { checkpointSha256: r.checkpointSha256 } : {},
      details: {
        runId: r.runId,
        status: r.status,
        requirements: r.requirements,
        ...r.weightsOnlyLoadable !== void 0 ? { weightsOnlyLoadable: r.weightsOnlyLoadable } : {}
      }
    }
  };
}
function fromComparison(r) {
  const broken = r.modules.some((m) => m.metrics.nanMismatches > 0 || m.metrics.infMismatches > 0) || r.finalOutputs.some((f) => f.metrics.nanMismatches > 0 || f.metrics.infMismatches > 0);
  const c = r.candidate;
  return {
    platform: c.platformKey,
    runId: r.runId,
    evidence: {
      check: "compare-runs",
      result: r.verdict === "divergent" ? broken ? "fail" : "degraded" : "pass",
      summary: `${r.summary} (against ${r.reference.platformKey} ${r.reference.dtype})`.slice(0, 500),
      date: r.date,
      tool: r.tool,
      environment: { ...c.torch ? { torch: c.torch } : {}, ...c.accelerator ? { accelerator: c.accelerator } : {}, os: c.platformKey.split("-")[0], arch: c.platformKey.split("-")[1] },
      checkpointSha256: r.checkpointSha256,
      details: {
        runId: r.runId,
        verdict: r.verdict,
        profile: r.profile,
        reference: r.reference,
        candidate: r.candidate,
        ...r.firstDivergent ? { firstDivergent: r.firstDivergent } : {},
        worstModules: [...r.modules].sort((x, y) => (y.metrics.maxAbs ?? 0) - (x.metrics.maxAbs ?? 0)).slice(0, 5).map((m) => ({ name: m.name, verdict: m.verdict, maxAbs: m.metrics.maxAbs, relL2: m.metrics.relL2 }))
      }
    }
  };
}
var readers = {
  "verify-unpickling": { schema: verificationResult, convert: fromVerification },
  "compare-runs": { schema: comparisonResult, convert: fromComparison }
};
function evidenceFromResult(doc, file) {
  const kind = String(doc?.kind);
  const reader = readers[kind];
  if (!reader) throw new ResultError(`${file}: unknown result kind ${JSON.stringify(kind)} (expected ${Object.keys(readers).map((k) => `"${k}"`).join(" or ")})`);
  const parsed = reader.schema.safeParse(doc);
  if (!parsed.success) throw new ResultError(`${file}: not a valid ${kind} result:
${problemsFromZod(parsed.error, doc).map(formatProblem).join("\n")}`);
  return { update: reader.convert(parsed.data), identity: parsed.data };
}

// src/registry/evidence-update.ts
var keysAfterCompatibility = ["inputs", "outputs", "provenance", "pickle"];
function withCompatibility(raw) {
  if ("compatibility" in raw) return raw;
  const out = {};
  let placed = false;
  for (const [key, value] of Object.entries(raw)) {
    if (!placed && keysAfterCompatibility.includes(key)) {
      out.compatibility = {};
      placed = true;
    }
    out[key] = value;
  }
  if (!placed) out.compatibility = {};
  return out;
}
function runIdOf(evidence) {
  return evidence.details?.runId;
}
function applyEvidence(raw, updates) {
  const doc = withCompatibility(structuredClone(raw));
  const compatibility = doc.compatibility;
  let added = 0;
  for (const update of updates) {
    const platform = compatibility[update.platform] ??= { status: "unknown", statusRule: currentStatusRule, evidence: [] };
    const evidence = platform.evidence ??= [];
    if (evidence.some((e) => runIdOf(e) === update.runId)) continue;
    evidence.push(update.evidence);
    added++;
  }
  for (const platform of Object.values(compatibility)) {
    const evidence = platform.evidence ?? [];
    evidence.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    platform.status = deriveStatus(evidence, currentStatusRule);
    platform.statusRule = currentStatusRule;
  }
  return { doc, added };
}

// tooling/commands/update-metadata.ts
var update_metadata_default = defineCommand({
  name: "update-metadata",
  summary: "Record check results (verify-unpickling, compare-runs) as compatibility evidence of an entry.",
  description: "Each result becomes an evidence record of the platform it ran on; every platform's status is then derived\nagain with the current rule. A result already recorded (same run id) is skipped, so running it twice changes\nnothing. Refuses a result for another checkpoint (id or sha256). Keeps the entry's other fields and key order;\nthe write is atomic.",
  positionals: [{ name: "entry-id", description: "the entry to update" }],
  options: {
    from: { type: "string", valueName: "RESULT.json", multiple: true, description: "a result record (repeatable)" },
    entries: entriesOption,
    json: jsonOption
  },
  examples: ["npm run -s registry -- update-metadata aifs-global-o48 --from result.json"],
  async run({ options, positionals, out, log }) {
    const [id] = positionals;
    const files = options.from ?? [];
    if (files.length === 0) throw new CliError("pass at least one --from RESULT.json", 2);
    const path = entryFile(options.entries, id);
    const text = await readFile(path, "utf8").catch(() => {
      throw new CliError(`no entry ${id} (${path})`);
    });
    let raw;
    try {
      raw = parseJsonText(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw new CliError(`${path}:${error.line}:${error.column}: ${error.message}`);
      throw error;
    }
    const strict = parseEntry(raw);
    const entry = strict.ok ? strict.entry : consumingEntry.parse(raw);
    if (!strict.ok) log(`warning: ${path} has fields this tooling does not know; they are kept`);
    const updates = [];
    for (const file of files) {
      try {
        const { update, identity } = evidenceFromResult(await readJsonFile(file, 64 * 1024 * 1024), file);
        if (identity.checkpointId !== void 0 && identity.checkpointId !== id) throw new CliError(`${file}: the result is for checkpoint ${identity.checkpointId}, not ${id}`);
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
    const summary = { checkpointId: id, added, skipped: updates.length - added, platforms: Object.fromEntries(Object.entries(doc.compatibility).map(([k, v]) => [k, v.status])) };
    log(`update-metadata: ${id}: ${added} new record${added === 1 ? "" : "s"}, ${summary.skipped} already recorded`);
    out(options.json ? JSON.stringify(summary, null, 2) : Object.entries(summary.platforms).map(([k, v]) => `${k}: ${v}`).join("\n"));
    return 0;
  }
});
export {
  update_metadata_default as default
};
