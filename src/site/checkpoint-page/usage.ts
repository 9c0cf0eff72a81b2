// How to use the checkpoint: first and foremost in Forecast-in-a-Box, step by step; then with anemoi-inference,
// or downloaded and checked. When FIAB's views leave the entry out, it says which fields and what fills them.
// Then everything the entry does not say yet, in one place, with the command that fills each group.
import type { ViewGap } from "../../fiab/export.ts";
import { markup, type Markup } from "../../text/markup.ts";
import type { UnknownGroup } from "../unknown-fields.ts";
import type { Usage } from "../usage.ts";

/** A command shown in full with a button that copies it (src/scripts/copy-line.ts); the button stays hidden without JavaScript. */
export function copyLine(text: string): Markup {
  return markup`<div class="copy-line"><pre><code>${text}</code></pre><button type="button" class="copy" hidden>Copy</button></div>`;
}

export function usageSections(usage: Usage, gaps: readonly ViewGap[]): Markup {
  const fiab = usage.fiab;
  const inFiab = fiab
    ? markup`<ol><li>${fiab.steps[0]}${copyLine(fiab.configToml)}</li>${fiab.steps.slice(1).map((step) => markup`<li>${step}</li>`)}</ol>`
    : markup`<p>FIAB's store views leave this model out, so FIAB cannot offer it yet:</p><ul>${gaps.map((g) => markup`<li><code>${g.path}</code>: ${g.message}. Fix: ${g.fix}.</li>`)}</ul>`;
  const views =
    usage.fiabViews.length > 0 &&
    markup`<p class="small">The FIAB store views that list it: ${usage.fiabViews.map((v, i) => markup`${i > 0 && ", "}<a href="${`/fiab/${v}/artifacts.json`}">/fiab/${v}/artifacts.json</a>`)} (fiab-core 1 and 2).</p>`;
  return markup`<section class="use-fiab" id="use-in-fiab" aria-labelledby="use-in-fiab-title"><h2 id="use-in-fiab-title">Use in FIAB</h2>${inFiab}</section><section id="usage"><h2>Other ways to use it</h2>${views}<h3>With anemoi-inference</h3>${
    usage.pipInstall ? copyLine(usage.pipInstall) : markup`<p class="muted">Its requirements are not known yet.</p>`
  }<p class="small">Then, with the file downloaded as below, a minimal <code>run.yaml</code> for <code>anemoi-inference run run.yaml</code>:</p><pre><code>${usage.runConfig}</code></pre><h3>Download and check</h3>${copyLine(usage.download)}${
    usage.checksum
      ? copyLine(usage.checksum)
      : markup`<p class="small muted">No SHA-256 is recorded for this file yet, so the download cannot be checked; see the note above.</p>`
  }</section>`;
}

export function unknownNote(groups: readonly UnknownGroup[]): Markup {
  return markup`${
    groups.length > 0 &&
    markup`<aside class="unknown-note" id="not-yet-known" aria-labelledby="not-yet-known-title"><h2 id="not-yet-known-title">What this entry does not say yet</h2>${groups.map(
      (g) => markup`<h3>${g.title}: ${g.fields.join(", ")}</h3><p class="small">${g.how}</p>${g.commands.map(copyLine)}`,
    )}</aside>`
  }`;
}
