// Inputs or outputs of a checkpoint: datasets with their grids and domains, steps, and every variable in a
// sortable table (src/scripts/sortable-table.ts; without JavaScript the table keeps the order of level types).
// What the entry does not say is left out here; the page lists it once, in its note.
import type { Dataset } from "../../contract/index.ts";
import { boundsText, parseArea } from "../../geo/area.ts";
import { gridKindWords } from "../../geo/grid-names.ts";
import { markup, type Markup } from "../../text/markup.ts";
import { groupDigits } from "../format.ts";
import { fieldCount, ioVariables, noLevtype, variableRows, type QubeLike, type VariableLike, type VariableRow } from "../qube-variables.ts";

export interface Io {
  characteristics?: string[] | undefined;
  steps?: number | undefined;
  datasets?: Dataset[] | undefined;
  variables?: VariableLike[] | undefined;
  qube?: QubeLike | undefined;
}

export interface VariableColumns {
  dataset: boolean;
  categories: boolean;
}

/** Which optional columns a table of these rows has. */
export function variableColumns(rows: readonly VariableRow[]): VariableColumns {
  return { dataset: rows.some((r) => r.dataset !== undefined), categories: rows.some((r) => r.categories.length > 0) };
}

export function variablesTable(rows: readonly VariableRow[], caption: string): Markup {
  const columns = variableColumns(rows);
  const body = rows.map(
    (r) =>
      markup`<tr>${columns.dataset && markup`<td><code>${r.dataset ?? ""}</code></td>`}<td><code>${r.param}</code></td><td data-value="${r.levtype === noLevtype ? "~" : r.levtype}">${r.levtype !== noLevtype && markup`<code>${r.levtype}</code>`} <span class="muted">${r.levtypeName}</span></td>${columns.categories && markup`<td>${r.categories.join(", ")}</td>`}<td class="num">${r.levels.length}</td><td class="levels">${r.levels.length === 0 ? markup`<span class="muted">none</span>` : r.levels.join(", ")}</td></tr>`,
  );
  return markup`<div class="table-scroll"><table data-sortable><caption class="visually-hidden">${caption}</caption><thead><tr>${columns.dataset && markup`<th scope="col" data-sort="text">Dataset</th>`}<th scope="col" data-sort="text">Parameter</th><th scope="col" data-sort="text">Level type</th>${columns.categories && markup`<th scope="col" data-sort="text">Category</th>`}<th scope="col" data-sort="number" class="num">Levels</th><th scope="col">Which levels</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

function areaText(area: string): string {
  const b = parseArea(area);
  return b ? boundsText(b) : area;
}

const notYetKnown = markup`<span class="muted">not yet known</span>`;

function datasetRow(d: Dataset): Markup {
  const grid = d.grid
    ? markup`<code>${d.grid}</code>${gridKindWords(d.grid) && markup`<span class="muted"> ${gridKindWords(d.grid)}</span>`}${d.resolutionKm !== undefined && markup`<span class="muted">, about ${d.resolutionKm} km</span>`}`
    : notYetKnown;
  const domain =
    d.domain === "global"
      ? "global"
      : d.domain === "limited-area"
        ? markup`limited area${d.area && markup`, ${areaText(d.area)}`}`
        : d.area
          ? areaText(d.area)
          : notYetKnown;
  return markup`<tr><td><code>${d.name}</code></td><td>${grid}</td><td>${domain}</td><td class="num">${d.gridPoints === undefined ? notYetKnown : groupDigits(d.gridPoints)}</td></tr>`;
}

export function ioSection(title: string, anchor: string, io: Io | undefined, stepsLabel: string): Markup {
  if (!io) return markup`<section id="${anchor}"><h2>${title}</h2><p class="muted">The entry does not say yet (see the note at the top).</p></section>`;
  const variables = ioVariables(io);
  const datasets = io.datasets ?? [];
  const facts = markup`${io.characteristics && markup`<dt>FIAB options</dt><dd>${io.characteristics.map((c) => markup`<code class="badge">${c}</code>`)}</dd>`}${
    io.steps !== undefined && markup`<dt>${stepsLabel}</dt><dd>${io.steps}</dd>`
  }${
    variables &&
    markup`<dt>Fields</dt><dd>${groupDigits(fieldCount(variables.datasets))} <span class="muted">(from the ${variables.from === "qube" ? "qube" : "variable list"})</span></dd>`
  }`;
  const table =
    datasets.length > 0 &&
    markup`<div class="table-scroll"><table><caption class="visually-hidden">Datasets of the ${title.toLowerCase()}</caption><thead><tr><th scope="col">Dataset</th><th scope="col">Grid</th><th scope="col">Domain</th><th scope="col" class="num">Grid points</th></tr></thead><tbody>${datasets.map(datasetRow)}</tbody></table></div>`;
  return markup`<section id="${anchor}"><h2>${title}</h2><dl class="facts">${facts}</dl>${table}${variables && variablesTable(variableRows(variables.datasets), `Variables of the ${title.toLowerCase()}`)}</section>`;
}
