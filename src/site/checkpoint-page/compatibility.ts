// Compatibility per platform: the derived status and every evidence record behind it.
import type { Compatibility, Evidence } from "../../contract/index.ts";
import { byCodePoint } from "../../text/code-point-order.ts";
import { markup, type Markup } from "../../text/markup.ts";
import { statusClass } from "../entry-view.ts";
import { prettyJson } from "../format.ts";

const environmentKeys = ["os", "arch", "python", "torch", "accelerator", "cuda"] as const;

function evidenceRow(ev: Evidence): Markup {
  const env = environmentKeys.flatMap((k) => (ev.environment[k] ? [`${k} ${ev.environment[k]}`] : []));
  const packages = Object.entries(ev.environment.packages ?? {}).sort(([a], [b]) => byCodePoint(a, b));
  return markup`<tr><td><code>${ev.check}</code></td><td><span class="${`badge ${statusClass(ev.result)}`}">${ev.result}</span></td><td class="break">${ev.summary ?? markup`<span class="muted">—</span>`}${
    ev.checkpointSha256 && markup`<div class="muted small mono break">sha256 ${ev.checkpointSha256}</div>`
  }${ev.details && markup`<details><summary>details</summary><pre>${prettyJson(ev.details)}</pre></details>`}</td><td class="nowrap mono">${ev.date}</td><td>${ev.tool.name} <span class="muted">${ev.tool.version}</span></td><td>${
    env.length > 0 ? env.join(", ") : markup`<span class="muted">unknown</span>`
  }${packages.length > 0 && markup`<details><summary>${packages.length} packages</summary><pre>${packages.map(([n, v]) => `${n}==${v}`).join("\n")}</pre></details>`}</td></tr>`;
}

export function compatibilitySection(compatibility: Compatibility | undefined): Markup {
  const platforms = Object.entries(compatibility ?? {}).sort(([a], [b]) => byCodePoint(a, b));
  const body =
    platforms.length === 0
      ? markup`<p class="muted">Not checked on any platform yet: nothing says whether it loads or runs anywhere (see the note at the top).</p>`
      : platforms.map(
          ([platform, record]) =>
            markup`<h3><code>${platform}</code> <span class="${`badge ${statusClass(record.status)}`}">${record.status}</span></h3><p class="muted small">Status by <a href="/contract/#status-rules">rule ${record.statusRule}</a> from ${record.evidence.length} evidence record${record.evidence.length === 1 ? "" : "s"}.</p>${
              record.evidence.length > 0 &&
              markup`<div class="table-scroll"><table><caption class="visually-hidden">Evidence for ${platform}</caption><thead><tr><th>Check</th><th>Result</th><th>Summary</th><th>Date</th><th>Tool</th><th>Environment</th></tr></thead><tbody>${record.evidence.map(evidenceRow)}</tbody></table></div>`
            }`,
        );
  return markup`<section id="compatibility"><h2>Compatibility</h2>${body}</section>`;
}
