// Two checkpoints side by side: what they are, what they need and where they run, their grids, and the
// variables and levels each reads and writes. Rows say in words whether the two differ.
import type { Entry } from "../contract/index.ts";
import { acceleratorName, acceleratorStatusWords } from "../platform/accelerators.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { entryFacts } from "./catalog-item.ts";
import { gpuMemoryText, humanBytes } from "./format.ts";
import { ioVariables, levtypeName, variableRows, type VariableRow } from "./qube-variables.ts";

export interface ComparisonRow {
  label: string;
  a: string;
  b: string;
  same: boolean;
}

export interface ComparisonSection {
  title: string;
  rows: ComparisonRow[];
}

const none = "—";
const row = (label: string, a: string | undefined, b: string | undefined): ComparisonRow => ({
  label,
  a: a ?? none,
  b: b ?? none,
  same: (a ?? none) === (b ?? none),
});
const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(", ") : undefined);

function platformRows(a: Entry, b: Entry, ia: ReturnType<typeof entryFacts>, ib: ReturnType<typeof entryFacts>): ComparisonRow[] {
  const accel = (i: typeof ia) => list(i.accelerators.map((x) => `${acceleratorName(x.accelerator)} (${acceleratorStatusWords(x.status)})`));
  const gpu = (e: Entry) => gpuMemoryText(e.infrastructure).text;
  return [
    row("Operating systems", list(a.infrastructure?.supportedOs), list(b.infrastructure?.supportedOs)),
    row(
      "CPU architectures",
      ia.architectures ? `${ia.architectures.join(", ")} only` : "any",
      ib.architectures ? `${ib.architectures.join(", ")} only` : "any",
    ),
    row("Python", list(a.requirements?.pythonVersions) ?? a.requirements?.python, list(b.requirements?.pythonVersions) ?? b.requirements?.python),
    row("torch", a.requirements?.torch, b.requirements?.torch),
    row("Accelerators", accel(ia), accel(ib)),
    row("GPU memory", gpu(a), gpu(b)),
    row("This build needs", ia.build.needs, ib.build.needs),
  ];
}

/** pip constraints: those both have in one row, then each one only one side has. */
function constraintRows(a: Entry, b: Entry): ComparisonRow[] {
  const ca = new Set(a.requirements?.pipConstraints ?? []);
  const cb = new Set(b.requirements?.pipConstraints ?? []);
  const both = [...ca].filter((c) => cb.has(c));
  const rows = [row("pip constraints in both", list(both), list(both))];
  for (const c of [...new Set([...ca, ...cb])].sort(byCodePoint)) {
    if (ca.has(c) && cb.has(c)) continue;
    rows.push(row("pip constraint", ca.has(c) ? c : undefined, cb.has(c) ? c : undefined));
  }
  return rows;
}

function datasetRows(a: Entry, b: Entry): ComparisonRow[] {
  const describe = (e: Entry, name: string) => {
    const d = e.inputs?.datasets?.find((x) => x.name === name);
    if (!d) return undefined;
    return (
      [d.grid, d.resolutionKm !== undefined ? `about ${d.resolutionKm} km` : undefined, d.domain, d.area].filter((x) => x !== undefined).join(", ") ||
      "named, nothing more known"
    );
  };
  const names = [...new Set([...(a.inputs?.datasets ?? []), ...(b.inputs?.datasets ?? [])].map((d) => d.name))].sort(byCodePoint);
  return names.map((name) => row(`Dataset ${name}`, describe(a, name), describe(b, name)));
}

/** Per level type: the params each side has, and the levels when both have the param. */
function variableComparison(label: string, ra: VariableRow[] | undefined, rb: VariableRow[] | undefined): ComparisonRow[] {
  if (!ra && !rb) return [row(label, undefined, undefined)];
  const key = (r: VariableRow) => `${r.dataset ?? ""}\u0000${r.levtype}`;
  const groups = new Map<string, { title: string; a: Map<string, VariableRow>; b: Map<string, VariableRow> }>();
  for (const [side, rows] of [
    ["a", ra ?? []],
    ["b", rb ?? []],
  ] as const) {
    for (const r of rows) {
      let g = groups.get(key(r));
      if (!g) groups.set(key(r), (g = { title: `${label}: ${r.dataset ? `${r.dataset} ` : ""}${levtypeName(r.levtype)}`, a: new Map(), b: new Map() }));
      g[side].set(r.param, r);
    }
  }
  const out: ComparisonRow[] = [];
  for (const g of [...groups.values()].sort((x, y) => byCodePoint(x.title, y.title))) {
    const params = (m: Map<string, VariableRow>) => (m.size === 0 ? undefined : [...m.keys()].sort(byCodePoint).join(" "));
    out.push(row(`${g.title}, parameters`, ra ? params(g.a) : "not yet known", rb ? params(g.b) : "not yet known"));
    const levels = (m: Map<string, VariableRow>) => [...new Set([...m.values()].flatMap((r) => r.levels.map(String)))].join(" ") || undefined;
    if (g.a.size > 0 && g.b.size > 0 && (levels(g.a) || levels(g.b))) out.push(row(`${g.title}, levels`, levels(g.a), levels(g.b)));
  }
  return out;
}

const rowsOf = (io: Entry["inputs"] | Entry["outputs"]) => {
  const v = ioVariables(io);
  return v ? variableRows(v.datasets) : undefined;
};

export function compareEntries(a: { id: string; entry: Entry }, b: { id: string; entry: Entry }): ComparisonSection[] {
  const ea = a.entry;
  const eb = b.entry;
  const ia = entryFacts(a.id, ea);
  const ib = entryFacts(b.id, eb);
  return [
    {
      title: "Checkpoint",
      rows: [
        row("Name", ea.display.name, eb.display.name),
        row("Author", ea.display.author || undefined, eb.display.author || undefined),
        row("License", ea.publication?.license, eb.publication?.license),
        row(
          "Size",
          ea.source.sizeBytes === undefined ? undefined : humanBytes(ea.source.sizeBytes),
          eb.source.sizeBytes === undefined ? undefined : humanBytes(eb.source.sizeBytes),
        ),
        row("SHA-256", ea.source.sha256, eb.source.sha256),
        row("Forecast type", ea.model?.task, eb.model?.task),
        row("Time step", ia.timestep, ib.timestep),
        row("Domain", ia.domain.text, ib.domain.text),
        row("Grid spacing", ia.domain.resolutionText, ib.domain.resolutionText),
      ],
    },
    { title: "Grids", rows: datasetRows(ea, eb) },
    { title: "Requirements and platforms", rows: [...platformRows(ea, eb, ia, ib), ...constraintRows(ea, eb)] },
    {
      title: "Variables",
      rows: [...variableComparison("In", rowsOf(ea.inputs), rowsOf(eb.inputs)), ...variableComparison("Out", rowsOf(ea.outputs), rowsOf(eb.outputs))],
    },
  ].filter((s) => s.rows.length > 0);
}
