// Markup built as strings must escape exactly as Astro's templates do, so that a page reads the same whichever
// wrote a part of it, and no entry's text can open a tag or leave an attribute.
import { escapeHTML } from "astro/runtime/server/escape.js";
import { describe, expect, it } from "vitest";
import { escapeMarkup, markup, Markup } from "../../src/text/markup.ts";
import { variableColumns, variablesTable } from "../../src/site/checkpoint-page/io.ts";
import { noLevtype, type VariableRow } from "../../src/site/qube-variables.ts";

describe("escapeMarkup", () => {
  it("escapes as Astro's templates escape text", () => {
    const texts = ["", "plain", `<script>alert("x")</script>`, "a & b", "it's", `"'<>&`, "&amp; stays text", "°·× 59.905°W", "\u2028x", "é<"];
    for (const t of texts) expect(escapeMarkup(t), t).toBe(String(escapeHTML(t)));
  });
});

describe("markup", () => {
  it("escapes values, keeps nested markup, joins arrays and writes nothing for booleans and absent values", () => {
    const name = `<b id="x">'&'</b>`;
    const m = markup`<p title="${name}">${name}${markup`<i>${1.5}</i>`}${[markup`<br>`, "<", 2]}${false}${true}${null}${undefined}</p>`;
    expect(m).toBeInstanceOf(Markup);
    expect(m.text).toBe(
      `<p title="&lt;b id=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;">&lt;b id=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;<i>1.5</i><br>&lt;2</p>`,
    );
    expect(`${m}`).toBe(m.text);
  });
});

describe("variablesTable", () => {
  const rows: VariableRow[] = [
    { dataset: "lam_0", levtype: "pl", levtypeName: "pressure", param: "t", levels: [500, 850], categories: ["prognostic"] },
    { dataset: `a"><script>`, levtype: noLevtype, levtypeName: "no level type", param: "cos_latitude", levels: [], categories: [] },
  ];

  it("writes one row per variable, with the optional columns only when some row has them", () => {
    expect(variableColumns(rows)).toEqual({ dataset: true, categories: true });
    expect(variableColumns([{ ...rows[0]!, dataset: undefined, categories: [] }])).toEqual({ dataset: false, categories: false });
    const table = variablesTable(rows, "Variables of <x>").text;
    expect(table).toContain(`<caption class="visually-hidden">Variables of &lt;x&gt;</caption>`);
    expect(table).toContain(`<th scope="col" data-sort="text">Dataset</th>`);
    expect(table).toContain(
      `<tbody><tr><td><code>lam_0</code></td><td><code>t</code></td><td data-value="pl"><code>pl</code> <span class="muted">pressure</span></td><td>prognostic</td><td class="num">2</td><td class="levels">500, 850</td></tr>` +
        `<tr><td><code>a&quot;&gt;&lt;script&gt;</code></td><td><code>cos_latitude</code></td><td data-value="~"> <span class="muted">no level type</span></td><td></td><td class="num">0</td><td class="levels"><span class="muted">none</span></td></tr></tbody>`,
    );
    expect(variablesTable([{ ...rows[0]!, dataset: undefined, categories: [] }], "x").text).not.toMatch(/Dataset|Category/);
  });
});
