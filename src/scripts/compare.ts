// The comparison page in the browser: reads the two ids from the URL, fetches their published JSON and
// writes the rows of compareEntries as tables, each differing row marked in words.
import type { Entry } from "../contract/index.ts";
import { compareEntries } from "../site/comparison.ts";
import { errorMessage } from "../errors.ts";

const params = new URLSearchParams(location.search);
const a = params.get("a") ?? "";
const b = params.get("b") ?? "";
const status = document.getElementById("compare-status")!;
const out = document.getElementById("comparison")!;
(document.getElementById("compare-a") as HTMLInputElement).value = a;
(document.getElementById("compare-b") as HTMLInputElement).value = b;

async function entry(id: string): Promise<Entry> {
  const response = await fetch(`/checkpoints/${encodeURIComponent(id)}.json`);
  if (!response.ok) throw new Error(`no checkpoint "${id}" in this registry`);
  return (await response.json()) as Entry;
}

function cell(tag: "td" | "th", text: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

function table(title: string, rows: ReturnType<typeof compareEntries>[number]["rows"]): HTMLElement {
  const section = document.createElement("section");
  const h2 = document.createElement("h2");
  h2.textContent = title;
  const scroll = document.createElement("div");
  scroll.className = "table-scroll";
  const t = document.createElement("table");
  t.className = "comparison";
  const head = t.createTHead().insertRow();
  for (const text of ["", a, b, ""]) {
    const th = cell("th", text);
    th.setAttribute("scope", "col");
    head.append(th);
  }
  head.cells[0]!.textContent = "Field";
  head.cells[3]!.textContent = "Same?";
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    if (!r.same) tr.className = "differs";
    tr.append(cell("td", r.label), cell("td", r.a), cell("td", r.b));
    const verdict = cell("td", r.same ? "same" : "");
    if (!r.same) {
      const badge = document.createElement("span");
      badge.className = "badge differs";
      badge.textContent = "differs";
      verdict.append(badge);
    }
    tr.append(verdict);
  }
  scroll.append(t);
  section.append(h2, scroll);
  return section;
}

async function show(): Promise<void> {
  if (!a || !b) {
    status.textContent = "Choose two checkpoints.";
    return;
  }
  status.textContent = `Comparing ${a} with ${b}…`;
  try {
    const [ea, eb] = await Promise.all([entry(a), entry(b)]);
    const sections = compareEntries({ id: a, entry: ea }, { id: b, entry: eb });
    const differing = sections.reduce((n, s) => n + s.rows.filter((r) => !r.same).length, 0);
    out.replaceChildren(...sections.map((s) => table(s.title, s.rows)));
    status.textContent = `${ea.display.name} (${a}) and ${eb.display.name} (${b}): ${differing} row${differing === 1 ? "" : "s"} differ.`;
    document.title = `${a} and ${b} · Compare · FIAB model registry`;
  } catch (error) {
    status.textContent = `Cannot compare: ${errorMessage(error)}.`;
  }
}

void show();
