// compare-runs --html: one self-contained file (inline SVG and CSS, no scripts, nothing fetched) with a
// per-module error chart on a log scale, the table and the verdict.
import type { ComparisonResult } from "../../src/contract/records/comparison.ts";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number | null) => (v === null ? "–" : v === 0 ? "0" : v.toExponential(2));
const colour: Record<string, string> = { equivalent: "#2e7d32", "within-tolerance": "#1565c0", divergent: "#c62828" };

/** Precision verdicts plot each output's relative L2 against its own budget; element-wise ones max abs vs atol. */
function chart(result: ComparisonResult): string {
  const rows = result.modules;
  const byBudget = result.budget !== undefined;
  const width = 960,
    height = 280,
    left = 60,
    bottom = 30,
    top = 10;
  const floor = byBudget ? 1e-4 : 1e-17;
  const measure = (m: ComparisonResult["modules"][number]) => (byBudget ? (m.metrics.relL2 ?? 0) / (m.allowedRelL2 || Infinity) : (m.metrics.maxAbs ?? 0));
  const values = rows.map((m) => (m.metrics.nanMismatches || m.metrics.infMismatches ? Infinity : Math.max(measure(m), floor)));
  const finite = values.filter(Number.isFinite);
  const limit = byBudget ? 1 : result.profile.atol;
  const hi = Math.log10(Math.max(...finite, limit * 10, 1));
  const lo = Math.log10(floor);
  const y = (v: number) => top + (height - top - bottom) * (1 - (Math.log10(Number.isFinite(v) ? v : 10 ** hi) - lo) / (hi - lo));
  const x = (i: number) => left + ((width - left - 10) * (i + 0.5)) / Math.max(rows.length, 1);
  const bars = rows
    .map((m, i) => {
      const v = values[i]!;
      const fill = Number.isFinite(v) ? colour[m.verdict] : "#000";
      const what = byBudget ? `rel L2 ${num(m.metrics.relL2)} of ${num(m.allowedRelL2 ?? null)} allowed` : `max abs ${num(m.metrics.maxAbs)}`;
      return `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${fill}"><title>${escape(`${m.index} ${m.name}[${m.output}]: ${what}${Number.isFinite(v) ? "" : " (NaN/Inf mismatch)"}`)}</title></circle>`;
    })
    .join("");
  const ticks = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e += byBudget ? 1 : 2)
    ticks.push(
      `<text x="${left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text><line x1="${left}" x2="${width - 10}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#eee"/>`,
    );
  const label = byBudget ? "budget" : `atol ${result.profile.atol}`;
  const line = `<line x1="${left}" x2="${width - 10}" y1="${y(limit)}" y2="${y(limit)}" stroke="#c62828" stroke-dasharray="4 3"/><text x="${width - 12}" y="${y(limit) - 4}" text-anchor="end" fill="#c62828">${label}</text>`;
  const aria = byBudget ? "relative L2 error over the allowed error per module, log scale" : "max absolute error per module, log scale";
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${aria}" font-size="11" font-family="sans-serif">${ticks.join("")}${line}${bars}<text x="${left}" y="${height - 8}">module calls in order →</text></svg>`;
}

export function htmlReport(result: ComparisonResult): string {
  const rows = result.modules
    .map(
      (m) =>
        `<tr class="${m.verdict}"><td>${m.index}</td><td><code>${escape(m.name)}</code>${m.output ? `[${m.output}]` : ""}</td><td>${escape(m.type.split(".").pop() ?? "")}</td><td>${m.verdict}</td><td>${num(m.metrics.maxAbs)}</td><td>${num(m.metrics.meanAbs)}</td><td>${num(m.metrics.maxRel)}</td><td>${num(m.metrics.relL2)}</td><td>${m.metrics.cosine === null ? "–" : m.metrics.cosine.toFixed(6)}</td><td>${(m.metrics.outsideShare * 100).toFixed(1)}%</td><td>${m.metrics.nanMismatches}/${m.metrics.infMismatches}</td><td>${num(m.addedError)}</td><td>${m.allowedRelL2 === undefined ? "–" : num(m.allowedRelL2)}</td></tr>`,
    )
    .join("\n");
  const describe = (s: ComparisonResult["reference"]) =>
    escape(`${s.platformKey}, ${s.device}, ${s.dtype}${s.torch ? `, torch ${s.torch}` : ""}${s.accelerator ? `, ${s.accelerator}` : ""}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>compare-runs: ${escape(result.verdict)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1b1f24}table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}td:nth-child(2),td:nth-child(3){text-align:left}.divergent td{background:#fdecea}.verdict{font-size:1.4rem;color:${colour[result.verdict]}}svg{width:100%;max-width:960px;border:1px solid #ddd}</style></head>
<body><h1>Numerical comparison</h1>
<p class="verdict">${escape(result.verdict)}</p><p>${escape(result.summary)}</p>
<p>Reference (A): ${describe(result.reference)}<br>Candidate (B): ${describe(result.candidate)}<br>Checkpoint sha256 <code>${result.checkpointSha256}</code>; ${result.budget ? `judged against the precision of the runs (allowed relative L2 per module; elementwise figures for the ${escape(result.profile.name)} profile, rtol ${result.profile.rtol}, atol ${result.profile.atol}, for information)` : `profile ${escape(result.profile.name)} (rtol ${result.profile.rtol}, atol ${result.profile.atol})`}.</p>
${result.firstDivergent ? `<p>First divergent module: <code>${escape(result.firstDivergent.name)}</code> (call ${result.firstDivergent.index}): ${escape(result.firstDivergent.reason)}.</p>` : ""}
<h2>${result.budget ? "Relative L2 error over the allowed error, per module" : "Max absolute error per module"} (log scale)</h2>${chart(result)}
<h2>Modules</h2><table><thead><tr><th>#</th><th>module</th><th>type</th><th>verdict</th><th>max abs</th><th>mean abs</th><th>max rel</th><th>rel L2</th><th>cosine</th><th>outside</th><th>NaN/Inf</th><th>added</th><th>allowed rel L2</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Final outputs</h2><table><tbody>${result.finalOutputs.map((f) => `<tr class="${f.verdict}"><td>${escape(f.name)}</td><td>${f.verdict}</td><td>max abs ${num(f.metrics.maxAbs)}</td><td>rel L2 ${num(f.metrics.relL2)}${f.allowedRelL2 === undefined ? "" : ` of ${num(f.allowedRelL2)} allowed`}</td><td>NaN/Inf ${f.metrics.nanMismatches}/${f.metrics.infMismatches}</td></tr>`).join("")}</tbody></table>
${result.unaligned.length ? `<h2>Unaligned calls</h2><ul>${result.unaligned.map((u) => `<li>${escape(u)}</li>`).join("")}</ul>` : ""}
</body></html>
`;
}
