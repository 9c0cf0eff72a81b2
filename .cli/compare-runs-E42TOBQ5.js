import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  platformKey
} from "./chunk-IU75B7EL.js";
import {
  toolFor
} from "./chunk-WZ42TI66.js";
import {
  InputFileError,
  readJsonFile
} from "./chunk-Y6XR3PQD.js";
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  comparisonResult,
  formatProblem,
  problemsFromZod,
  traceIndex
} from "./chunk-32NUYPAV.js";
import {
  CliError,
  defineCommand,
  formatJson
} from "./chunk-STXQ2W3N.js";

// tooling/compare/compare.ts
import { randomUUID } from "node:crypto";

// tooling/compare/metrics.ts
function compareValues(a, b, tolerance) {
  const n = Math.min(a.length, b.length);
  let count = 0, maxAbs = 0, sumAbs = 0, maxRel = 0, outside = 0, nanMismatches = 0, infMismatches = 0;
  let diffSq = 0, aSq = 0, bSq = 0, dot = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const xNan = Number.isNaN(x);
    const yNan = Number.isNaN(y);
    if (xNan || yNan) {
      if (xNan !== yNan) {
        nanMismatches++;
        outside++;
      }
      continue;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (x !== y) {
        infMismatches++;
        outside++;
      }
      continue;
    }
    const d = Math.abs(y - x);
    count++;
    sumAbs += d;
    if (d > maxAbs) maxAbs = d;
    const rel = d / Math.max(Math.abs(x), tolerance.atol);
    if (rel > maxRel) maxRel = rel;
    if (d > tolerance.atol + tolerance.rtol * Math.abs(x)) outside++;
    diffSq += d * d;
    aSq += x * x;
    bSq += y * y;
    dot += x * y;
  }
  const compared = count + nanMismatches + infMismatches;
  return {
    count: compared,
    maxAbs: count ? maxAbs : null,
    meanAbs: count ? sumAbs / count : null,
    maxRel: count ? maxRel : null,
    relL2: count ? Math.sqrt(diffSq) / Math.max(Math.sqrt(aSq), Number.MIN_VALUE) : null,
    cosine: count ? aSq === 0 && bSq === 0 ? 1 : dot / (Math.sqrt(aSq) * Math.sqrt(bSq) || Number.MIN_VALUE) : null,
    outsideShare: compared ? outside / compared : 0,
    nanMismatches,
    infMismatches
  };
}
function verdictOf(m) {
  if (m.nanMismatches > 0 || m.infMismatches > 0 || m.outsideShare > 0) return "divergent";
  return m.maxAbs === null || m.maxAbs === 0 ? "equivalent" : "within-tolerance";
}

// tooling/compare/compare.ts
var IncomparableTracesError = class extends Error {
};
function side(index) {
  const env = index.environment;
  const device = index.input.device.replace(/:\d+$/, "");
  const key = platformKey({ os: String(env.os ?? ""), arch: String(env.arch ?? ""), cudaAvailable: device === "cuda", mpsAvailable: device === "mps" });
  return {
    runId: index.runId,
    platformKey: key,
    dtype: index.input.dtype,
    device: index.input.device,
    ...typeof env.torch === "string" ? { torch: env.torch } : {},
    ...typeof env.accelerator === "string" ? { accelerator: env.accelerator } : {}
  };
}
function keyed(modules) {
  const seen = /* @__PURE__ */ new Map();
  const out = /* @__PURE__ */ new Map();
  for (const m of modules) {
    const id = `${m.name}@${m.step}`;
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    out.set(`${m.name}#${k}@${m.step}`, m);
  }
  return out;
}
function checkComparable(a, b) {
  if (a.checkpoint.sha256 !== b.checkpoint.sha256) {
    throw new IncomparableTracesError(`the traces are of different checkpoints: A ${a.checkpoint.checkpointId ?? ""} sha256 ${a.checkpoint.sha256}, B ${b.checkpoint.checkpointId ?? ""} sha256 ${b.checkpoint.sha256}`.replace(/  +/g, " "));
  }
  if (a.input.sha256 !== b.input.sha256 || JSON.stringify(a.input.tensors) !== JSON.stringify(b.input.tensors) || a.steps !== b.steps) {
    throw new IncomparableTracesError(`the traces have different inputs: A seed ${a.input.seed} ${JSON.stringify(a.input.tensors.map((t) => t.shape))} x${a.steps} steps (${a.input.sha256.slice(0, 12)}), B seed ${b.input.seed} ${JSON.stringify(b.input.tensors.map((t) => t.shape))} x${b.steps} steps (${b.input.sha256.slice(0, 12)})`);
  }
}
function compareTraces(a, b, tolerance) {
  checkComparable(a.index, b.index);
  const ka = keyed(a.index.modules);
  const kb = keyed(b.index.modules);
  const modules = [];
  for (const [key, ma] of ka) {
    const mb = kb.get(key);
    if (!mb) continue;
    const inputError = ma.inputs[0] && mb.inputs[0] ? compareValues(a.values(ma.inputs[0].sample), b.values(mb.inputs[0].sample), tolerance).relL2 : null;
    const outputs = Math.min(ma.outputs.length, mb.outputs.length);
    for (let o = 0; o < outputs; o++) {
      const metrics = compareValues(a.values(ma.outputs[o].sample), b.values(mb.outputs[o].sample), tolerance);
      metrics.nanMismatches = Math.max(metrics.nanMismatches, Math.abs(ma.outputs[o].stats.nan - mb.outputs[o].stats.nan));
      metrics.infMismatches = Math.max(metrics.infMismatches, Math.abs(ma.outputs[o].stats.inf - mb.outputs[o].stats.inf));
      const addedError = metrics.relL2 !== null && inputError !== null ? metrics.relL2 - inputError : null;
      modules.push({ index: ma.index, name: ma.name, type: ma.type, step: ma.step, output: o, verdict: verdictOf(metrics), metrics, addedError });
    }
  }
  const unaligned = [...ka.keys()].filter((k) => !kb.has(k)).map((k) => `only in A: ${k}`).concat([...kb.keys()].filter((k) => !ka.has(k)).map((k) => `only in B: ${k}`));
  const finalOutputs = a.index.finalOutputs.map((fa, i) => {
    const fb = b.index.finalOutputs[i];
    const metrics = fb ? compareValues(a.values(fa.values), b.values(fb.values), tolerance) : compareValues(new Float64Array(), new Float64Array(), tolerance);
    return { name: fa.name, verdict: verdictOf(metrics), metrics };
  });
  const first = modules.find((m) => m.verdict === "divergent");
  const all = [...modules.map((m) => m.verdict), ...finalOutputs.map((f) => f.verdict)];
  const verdict = all.includes("divergent") ? "divergent" : all.every((v) => v === "equivalent") ? "equivalent" : "within-tolerance";
  const reason = first ? first.metrics.nanMismatches > 0 ? `${first.metrics.nanMismatches} NaN where the reference has numbers (or the reverse)` : first.metrics.infMismatches > 0 ? `${first.metrics.infMismatches} Inf mismatches` : `${(first.metrics.outsideShare * 100).toFixed(1)}% of sampled elements outside tolerance, max abs error ${first.metrics.maxAbs?.toExponential(2)}` : "";
  const summary = verdict === "divergent" ? `divergent under the ${tolerance.name} profile; first at ${first?.name ?? "the final output"}: ${reason || "final outputs differ"}` : `${verdict} under the ${tolerance.name} profile (rtol ${tolerance.rtol}, atol ${tolerance.atol}) across ${modules.length} module outputs`;
  return {
    kind: "compare-runs",
    resultVersion: 1,
    runId: randomUUID(),
    ...b.index.checkpoint.checkpointId ?? a.index.checkpoint.checkpointId ? { checkpointId: b.index.checkpoint.checkpointId ?? a.index.checkpoint.checkpointId } : {},
    checkpointSha256: a.index.checkpoint.sha256,
    inputSha256: a.index.input.sha256,
    reference: side(a.index),
    candidate: side(b.index),
    profile: tolerance,
    verdict,
    summary,
    ...first ? { firstDivergent: { index: first.index, name: first.name, reason } } : {},
    modules,
    unaligned,
    finalOutputs,
    tool: toolFor("compare-runs"),
    date: (/* @__PURE__ */ new Date()).toISOString()
  };
}

// tooling/compare/html-report.ts
var escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
var num = (v) => v === null ? "\u2013" : v === 0 ? "0" : v.toExponential(2);
var colour = { equivalent: "#2e7d32", "within-tolerance": "#1565c0", divergent: "#c62828" };
function chart(result) {
  const rows = result.modules;
  const width = 960, height = 280, left = 60, bottom = 30, top = 10;
  const floor = 1e-17;
  const values = rows.map((m) => m.metrics.nanMismatches || m.metrics.infMismatches ? Infinity : Math.max(m.metrics.maxAbs ?? 0, floor));
  const finite = values.filter(Number.isFinite);
  const hi = Math.log10(Math.max(...finite, result.profile.atol * 10, 1));
  const lo = Math.log10(floor);
  const y = (v) => top + (height - top - bottom) * (1 - (Math.log10(Number.isFinite(v) ? v : 10 ** hi) - lo) / (hi - lo));
  const x = (i) => left + (width - left - 10) * (i + 0.5) / Math.max(rows.length, 1);
  const bars = rows.map((m, i) => {
    const v = values[i];
    const fill = Number.isFinite(v) ? colour[m.verdict] : "#000";
    return `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${fill}"><title>${escape(`${m.index} ${m.name}[${m.output}]: max abs ${num(m.metrics.maxAbs)}${Number.isFinite(v) ? "" : " (NaN/Inf mismatch)"}`)}</title></circle>`;
  }).join("");
  const ticks = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e += 2) ticks.push(`<text x="${left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text><line x1="${left}" x2="${width - 10}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#eee"/>`);
  const atol = `<line x1="${left}" x2="${width - 10}" y1="${y(result.profile.atol)}" y2="${y(result.profile.atol)}" stroke="#c62828" stroke-dasharray="4 3"/><text x="${width - 12}" y="${y(result.profile.atol) - 4}" text-anchor="end" fill="#c62828">atol ${result.profile.atol}</text>`;
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="max absolute error per module, log scale" font-size="11" font-family="sans-serif">${ticks.join("")}${atol}${bars}<text x="${left}" y="${height - 8}">module calls in order \u2192</text></svg>`;
}
function htmlReport(result) {
  const rows = result.modules.map((m) => `<tr class="${m.verdict}"><td>${m.index}</td><td><code>${escape(m.name)}</code>${m.output ? `[${m.output}]` : ""}</td><td>${escape(m.type.split(".").pop() ?? "")}</td><td>${m.verdict}</td><td>${num(m.metrics.maxAbs)}</td><td>${num(m.metrics.meanAbs)}</td><td>${num(m.metrics.maxRel)}</td><td>${num(m.metrics.relL2)}</td><td>${m.metrics.cosine === null ? "\u2013" : m.metrics.cosine.toFixed(6)}</td><td>${(m.metrics.outsideShare * 100).toFixed(1)}%</td><td>${m.metrics.nanMismatches}/${m.metrics.infMismatches}</td><td>${num(m.addedError)}</td></tr>`).join("\n");
  const describe = (s) => escape(`${s.platformKey}, ${s.device}, ${s.dtype}${s.torch ? `, torch ${s.torch}` : ""}${s.accelerator ? `, ${s.accelerator}` : ""}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>compare-runs: ${escape(result.verdict)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}td:nth-child(2),td:nth-child(3){text-align:left}.divergent td{background:#fdecea}.verdict{font-size:1.4rem;color:${colour[result.verdict]}}svg{width:100%;max-width:960px;border:1px solid #ddd}</style></head>
<body><h1>Numerical comparison</h1>
<p class="verdict">${escape(result.verdict)}</p><p>${escape(result.summary)}</p>
<p>Reference (A): ${describe(result.reference)}<br>Candidate (B): ${describe(result.candidate)}<br>Checkpoint sha256 <code>${result.checkpointSha256}</code>; profile ${escape(result.profile.name)} (rtol ${result.profile.rtol}, atol ${result.profile.atol}).</p>
${result.firstDivergent ? `<p>First divergent module: <code>${escape(result.firstDivergent.name)}</code> (call ${result.firstDivergent.index}): ${escape(result.firstDivergent.reason)}.</p>` : ""}
<h2>Max absolute error per module (log scale)</h2>${chart(result)}
<h2>Modules</h2><table><thead><tr><th>#</th><th>module</th><th>type</th><th>verdict</th><th>max abs</th><th>mean abs</th><th>max rel</th><th>rel L2</th><th>cosine</th><th>outside</th><th>NaN/Inf</th><th>added</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Final outputs</h2><table><tbody>${result.finalOutputs.map((f) => `<tr class="${f.verdict}"><td>${escape(f.name)}</td><td>${f.verdict}</td><td>max abs ${num(f.metrics.maxAbs)}</td><td>rel L2 ${num(f.metrics.relL2)}</td><td>NaN/Inf ${f.metrics.nanMismatches}/${f.metrics.infMismatches}</td></tr>`).join("")}</tbody></table>
${result.unaligned.length ? `<h2>Unaligned calls</h2><ul>${result.unaligned.map((u) => `<li>${escape(u)}</li>`).join("")}</ul>` : ""}
</body></html>
`;
}

// tooling/compare/read-trace.ts
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
var TraceError = class extends Error {
};
var maxTraceFileBytes = 8 * 1024 ** 3;
async function readTrace(dir) {
  let doc;
  try {
    doc = await readJsonFile(join(dir, "index.json"), 512 * 1024 * 1024);
  } catch (error) {
    if (error instanceof InputFileError) throw new TraceError(`${dir} is not a trace folder: ${error.message}`);
    throw error;
  }
  const parsed = traceIndex.safeParse(doc);
  if (!parsed.success) throw new TraceError(`${join(dir, "index.json")}: not a log-run trace:
${problemsFromZod(parsed.error, doc).slice(0, 10).map(formatProblem).join("\n")}`);
  const files = /* @__PURE__ */ new Map();
  for (const name of ["samples.f64", "outputs.f64"]) {
    const path = join(dir, name);
    const size = (await stat(path).catch(() => void 0))?.size;
    if (size === void 0) throw new TraceError(`${path} is missing`);
    if (size % 8 !== 0 || size > maxTraceFileBytes) throw new TraceError(`${path}: ${size} bytes is not a whole number of float64 values under the cap`);
    const bytes = await readFile(path);
    files.set(name, new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  }
  return {
    dir,
    index: parsed.data,
    values(ref) {
      const data = files.get(ref.file);
      if (!data || ref.offset + ref.count > data.length) throw new TraceError(`${dir}: ${ref.file} has no values ${ref.offset}..${ref.offset + ref.count}`);
      return data.subarray(ref.offset, ref.offset + ref.count);
    }
  };
}

// tooling/compare/tolerance.ts
var profiles = {
  float16: { name: "float16", rtol: 1e-3, atol: 1e-5 },
  bfloat16: { name: "bfloat16", rtol: 0.016, atol: 1e-5 },
  float32: { name: "float32", rtol: 13e-7, atol: 1e-5 },
  float64: { name: "float64", rtol: 1e-7, atol: 1e-7 }
};
function defaultProfile(a, b) {
  const pa = profiles[a] ?? profiles.float32;
  const pb = profiles[b] ?? profiles.float32;
  return pa.rtol >= pb.rtol ? pa : pb;
}

// tooling/commands/compare-runs.ts
var compare_runs_default = defineCommand({
  name: "compare-runs",
  summary: "Compare two log-run traces of one checkpoint and input: per-module divergence and a verdict.",
  description: "Aligns module calls by name and call order and compares each output of B (candidate) with A (reference):\nmax and mean absolute error, max relative error, relative L2, cosine similarity, share outside tolerance,\nNaN/Inf mismatches, the first diverging module and the error each module adds. Tolerances default to the\nlooser dtype's torch.testing.assert_close profile. Verdict: equivalent, within-tolerance or divergent.\nExits 0 unless divergent.",
  positionals: [
    { name: "traceA", description: "reference trace folder" },
    { name: "traceB", description: "candidate trace folder" }
  ],
  options: {
    profile: { type: "string", valueName: "DTYPE", description: `tolerance profile: ${Object.keys(profiles).join(", ")} (default: the looser of the two runs)` },
    rtol: { type: "string", valueName: "R", description: "relative tolerance (overrides the profile's)" },
    atol: { type: "string", valueName: "A", description: "absolute tolerance (overrides the profile's)" },
    json: { type: "string", valueName: "FILE", description: "write the result record (for update-metadata) to FILE" },
    html: { type: "string", valueName: "FILE", description: "write a self-contained HTML report to FILE" }
  },
  examples: ["npm run -s registry -- compare-runs traces/cpu-f64 traces/cuda-f32 --json result.json --html report.html"],
  async run({ options, positionals, out, log }) {
    const [dirA, dirB] = positionals;
    try {
      const [a, b] = await Promise.all([readTrace(dirA), readTrace(dirB)]);
      let tolerance = options.profile ? profiles[options.profile] : defaultProfile(a.index.input.dtype, b.index.input.dtype);
      if (!tolerance) throw new CliError(`--profile must be one of ${Object.keys(profiles).join(", ")}, got "${String(options.profile)}"`, 2);
      for (const key of ["rtol", "atol"]) {
        if (options[key] === void 0) continue;
        const value = Number(options[key]);
        if (!(value >= 0)) throw new CliError(`--${key} must be a non-negative number, got "${String(options[key])}"`, 2);
        tolerance = { ...tolerance, name: "custom", [key]: value };
      }
      const result = comparisonResult.parse(compareTraces(a, b, tolerance));
      if (options.json) await writeFileAtomic(options.json, formatJson(result));
      if (options.html) await writeFileAtomic(options.html, htmlReport(result));
      const lines = [`verdict: ${result.verdict}`, result.summary];
      for (const m of result.modules) lines.push(`${String(m.index).padStart(4)} ${m.verdict.padEnd(16)} ${`${m.name}${m.output ? `[${m.output}]` : ""}`.padEnd(40)} max abs ${m.metrics.maxAbs === null ? "\u2013" : m.metrics.maxAbs.toExponential(2)}${m.metrics.nanMismatches ? ` NaN ${m.metrics.nanMismatches}` : ""}`);
      out(lines.join("\n"));
      if (result.unaligned.length) log(`compare-runs: ${result.unaligned.length} module calls are in only one trace`);
      return result.verdict === "divergent" ? 1 : 0;
    } catch (error) {
      if (error instanceof TraceError || error instanceof IncomparableTracesError) throw new CliError(error.message);
      throw error;
    }
  }
});
export {
  compare_runs_default as default
};
