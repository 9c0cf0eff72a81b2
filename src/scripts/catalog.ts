// The catalog page in the browser: search (plain text at once, Pagefind's full text when its index has
// loaded), facets with counts, "GPU memory up to", sorting and "fits my machine", all kept in the URL so
// that a filtered list can be shared. The filtering itself is catalogView, the same code the tests run.
import type { ClientItem } from "../site/catalog-item.ts";
import { emptyState, readState, writeState, type CatalogState } from "../site/catalog-state.ts";
import { catalogView } from "../site/catalog-view.ts";
import { facetKeys, sortKeys, type FacetKey } from "../site/facets.ts";
import { detectMachine } from "./detect-machine.ts";
import { fullTextSearch } from "./full-text-search.ts";

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const items: ClientItem[] = JSON.parse(byId("catalog-items").textContent ?? "[]");
const rows = new Map(items.map((i) => [i.id, byId<HTMLLIElement>(`entry-${i.id}`)]));
const fitNotes = new Map([...rows].map(([id, row]) => [id, row.querySelector<HTMLParagraphElement>(".fit-note")!]));
const names = new Map(items.map((i) => [i.id, i.name]));
const list = byId<HTMLOListElement>("entries");
const form = byId<HTMLFormElement>("catalog-form");
const query = byId<HTMLInputElement>("q");
const sort = byId<HTMLSelectElement>("sort");
const gpu = byId<HTMLSelectElement>("gpu");
const fitForm = byId<HTMLDetailsElement>("fit-form");
const fitOs = byId<HTMLSelectElement>("fit-os");
const fitArch = byId<HTMLSelectElement>("fit-arch");
const fitGpu = byId<HTMLInputElement>("fit-gpu");
const shown = byId<HTMLParagraphElement>("shown");
const fitSummary = byId<HTMLDivElement>("fit-summary");
const noResults = byId<HTMLParagraphElement>("no-results");

let state: CatalogState = readState(new URLSearchParams(location.search));
let hits: Set<string> | undefined;
/** The ids in the list's current DOM order, and which rows are hidden. */
let domOrder = items.map((i) => i.id);
const hiddenRows = new Set<string>();

/** Whether `ids` appear in `order` in the same relative order, so that hiding rows is enough. */
function inOrder(ids: readonly string[], order: readonly string[]): boolean {
  let at = 0;
  for (const id of ids) {
    while (at < order.length && order[at] !== id) at++;
    if (at === order.length) return false;
    at++;
  }
  return true;
}

function checkboxes(key: FacetKey): HTMLInputElement[] {
  return [...form.querySelectorAll<HTMLInputElement>(`fieldset[data-facet="${key}"] input[type="checkbox"]`)];
}

/** The form shows the state (after a page load or the back button). */
function showState(): void {
  query.value = state.q;
  for (const key of facetKeys) for (const box of checkboxes(key)) box.checked = state.facets[key]?.includes(box.value) ?? false;
  gpu.value = state.gpuMaxGib === undefined ? "" : String(state.gpuMaxGib);
  sort.value = state.sort;
  if (state.fit) {
    fitForm.open = true;
    fitOs.value = state.fit.os ?? "";
    fitArch.value = state.fit.arch ?? "";
    fitGpu.value = state.fit.gpuMemoryMib === undefined ? "" : String(Math.round((state.fit.gpuMemoryMib / 1024) * 100) / 100);
  }
}

/** The state the form shows; "fits my machine" changes only through its own buttons. */
function stateFromForm(): CatalogState {
  const next = emptyState();
  next.q = query.value;
  for (const key of facetKeys) {
    const values = checkboxes(key)
      .filter((b) => b.checked)
      .map((b) => b.value);
    if (values.length > 0) next.facets[key] = values;
  }
  if (gpu.value !== "") next.gpuMaxGib = Number(gpu.value);
  // The select lists exactly the sort keys: find() gives the chosen one, typed.
  const chosenSort = sortKeys.find((key) => key === sort.value);
  if (chosenSort) next.sort = chosenSort;
  if (state.fit) next.fit = state.fit;
  return next;
}

function machineFromForm(): NonNullable<CatalogState["fit"]> {
  const gib = fitGpu.value.trim() === "" ? undefined : Number(fitGpu.value);
  return {
    ...(fitOs.value ? { os: fitOs.value as "linux" | "macos" } : {}),
    ...(fitArch.value ? { arch: fitArch.value as "x86_64" | "aarch64" } : {}),
    ...(gib !== undefined && Number.isFinite(gib) && gib >= 0 ? { gpuMemoryMib: Math.round(gib * 1024) } : {}),
  };
}

function listItem(text: string): HTMLLIElement {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function render(): void {
  const view = catalogView(items, state, state.q.trim() === "" ? undefined : hits);
  const visible = new Set(view.shown);
  // Only rows whose state changes are touched: at 10,000 entries every DOM write counts.
  for (const [id, row] of rows) {
    const hide = !visible.has(id);
    if (hide === hiddenRows.has(id)) continue;
    row.hidden = hide;
    if (hide) hiddenRows.add(id);
    else hiddenRows.delete(id);
  }
  if (!inOrder(view.shown, domOrder)) {
    // Shown rows in the chosen order; hidden ones after them, where they do no harm.
    const fragment = document.createDocumentFragment();
    domOrder = [...view.shown, ...domOrder.filter((id) => !visible.has(id))];
    for (const id of domOrder) fragment.append(rows.get(id)!);
    list.append(fragment);
  }
  for (const key of facetKeys) {
    for (const box of checkboxes(key)) {
      const count = view.counts[key].get(box.value) ?? 0;
      const label = box.closest("label")!;
      label.querySelector("[data-count]")!.textContent = String(count);
      label.classList.toggle("empty", count === 0 && !box.checked);
    }
  }
  for (const option of gpu.querySelectorAll<HTMLOptionElement>("option[data-gib]")) {
    option.textContent = `${option.dataset["gib"]} GiB (${view.gpuCounts.get(Number(option.dataset["gib"])) ?? 0})`;
  }
  shown.textContent = `${view.shown.length} of ${items.length} checkpoint${items.length === 1 ? "" : "s"} shown`;
  const active = facetKeys.reduce((n, key) => n + (state.facets[key]?.length ?? 0), state.gpuMaxGib === undefined ? 0 : 1);
  byId("facet-active").textContent = active === 0 ? "" : `(${active} chosen)`;
  noResults.hidden = view.shown.length > 0;

  fitSummary.hidden = !state.fit;
  fitSummary.replaceChildren();
  if (state.fit) {
    const head = document.createElement("p");
    head.textContent = view.excluded.length === 0 ? "Nothing is excluded by this machine." : `${view.excluded.length} not for this machine, and why:`;
    fitSummary.append(head);
    if (view.excluded.length > 0) {
      const ul = document.createElement("ul");
      for (const x of view.excluded) ul.append(listItem(`${names.get(x.id)} (${x.id}): ${x.reasons.join(" ")}`));
      fitSummary.append(ul);
    }
  }
  // Every card shown while "fits my machine" is on says why it fits, and what is not known yet.
  for (const [id, note] of fitNotes) {
    const support = view.support.get(id);
    const caveats = view.caveats.get(id) ?? [];
    const text =
      support === undefined
        ? ""
        : [
            `Fits: ${support.length > 0 ? support.join(" ") : "nothing stated excludes it."}`,
            ...(caveats.length > 0 ? [`Not known yet: ${caveats.join(" ")}`] : []),
          ].join(" ");
    if (note.textContent !== text) note.textContent = text;
    note.hidden = support === undefined;
    note.classList.toggle("uncertain", caveats.length > 0);
  }
}

function commit(next: CatalogState, push = false): void {
  state = next;
  const url = `${location.pathname}${writeState(state)}${location.hash}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  render();
}

let searchRun = 0;
async function search(): Promise<void> {
  const run = ++searchRun;
  const text = state.q.trim();
  if (text === "") {
    hits = undefined;
    return;
  }
  const found = await fullTextSearch(text);
  if (run !== searchRun) return;
  hits = found;
  render();
  // Says which query the list now answers, full text included (or not available): tests wait for it.
  list.dataset["searched"] = text;
}

form.addEventListener("submit", (event) => event.preventDefault());
form.addEventListener("input", (event) => {
  const target = event.target as HTMLElement;
  if (target.closest("#fit-form")) return;
  const next = stateFromForm();
  const queryChanged = next.q !== state.q;
  commit(next);
  if (queryChanged) void search();
});
sort.addEventListener("change", () => commit(stateFromForm()));
byId("fit-apply").addEventListener("click", () => {
  commit({ ...stateFromForm(), fit: machineFromForm() }, true);
  // On a phone the filters sit above the list: show what fits rather than leave it below the fold.
  if (!matchMedia("(min-width: 960px)").matches) shown.scrollIntoView({ block: "start" });
});
byId("fit-clear").addEventListener("click", () => {
  const next = stateFromForm();
  delete next.fit;
  commit(next, true);
});
for (const id of ["clear-all", "clear-none"]) {
  byId(id).addEventListener("click", () => {
    state = { ...emptyState(), sort: state.sort };
    showState();
    commit(state, true);
  });
}
addEventListener("popstate", () => {
  state = readState(new URLSearchParams(location.search));
  showState();
  render();
  void search();
});

void detectMachine().then((machine) => {
  if (state.fit) return;
  if (machine.os) fitOs.value = machine.os;
  if (machine.arch) fitArch.value = machine.arch;
  const said = [machine.os === "macos" ? "macOS" : machine.os === "linux" ? "Linux" : undefined, machine.arch].filter(Boolean).join(", ");
  if (said) byId("fit-detected").textContent = `Filled in from this browser: ${said}. Browsers do not tell GPU memory: enter it.`;
});

// Facets stay folded on a phone, where they would push the list below the fold, unless some are chosen.
byId<HTMLDetailsElement>("facet-details").open =
  matchMedia("(min-width: 960px)").matches || Object.keys(state.facets).length > 0 || state.gpuMaxGib !== undefined;
showState();
render();
void search();
