// What a model reads or writes, as variables grouped by level type. An entry states this either as an
// explicit `variables` list or as FIAB's qube (root -> levtype -> param -> level); explicit variables win
// because they also carry categories and dataset names.
import { compareLevelTypes, levelTypeName } from "../contract/level-types.ts";
import { byCodePoint } from "../text/code-point-order.ts";

/** The parts of a qube node this module reads; both contract modes satisfy it. */
export interface QubeNodeLike {
  key: string;
  values: { values: ReadonlyArray<string | number> };
  metadata: Record<string, unknown>;
  children: readonly QubeNodeLike[];
}
export type QubeLike = QubeNodeLike | Record<string, QubeNodeLike>;

export interface VariableLike {
  name: string;
  category: string;
  dataset?: string | undefined;
  param?: string | undefined;
  levtype?: string | undefined;
  level?: number | undefined;
}

type Level = string | number;

/** Params that share the same levels and categories, as one display row. */
export interface ParamRow {
  params: string[];
  levels: Level[];
  categories: string[];
}

export interface LevelTypeGroup {
  levtype: string;
  /** e.g. "pressure" for pl; from the qube's metadata when given. */
  name: string;
  params: string[];
  /** Every level any param of the group has. */
  levels: Level[];
  rows: ParamRow[];
  /** Number of fields: one per param and level, one per param without levels. */
  fields: number;
}

export interface DatasetVariables {
  /** Undefined for single-dataset models. */
  dataset: string | undefined;
  groups: LevelTypeGroup[];
}

export interface IoVariables {
  from: "variables" | "qube";
  datasets: DatasetVariables[];
}

/** Level type of variables that name none, e.g. computed forcings such as cos_latitude. */
export const noLevtype = "";

interface ParamAcc {
  levels: Set<Level>;
  categories: Set<string>;
}
interface LevtypeAcc {
  name: string | undefined;
  params: Map<string, ParamAcc>;
}
type DatasetAcc = Map<string, LevtypeAcc>;

function levtypeOf(acc: DatasetAcc, levtype: string, name: string | undefined): LevtypeAcc {
  let group = acc.get(levtype);
  if (!group) acc.set(levtype, (group = { name, params: new Map() }));
  group.name ??= name;
  return group;
}

function paramOf(group: LevtypeAcc, param: string): ParamAcc {
  let p = group.params.get(param);
  if (!p) group.params.set(param, (p = { levels: new Set(), categories: new Set() }));
  return p;
}

function addField(acc: DatasetAcc, levtype: string, name: string | undefined, param: string, level: Level | undefined, category?: string): void {
  const p = paramOf(levtypeOf(acc, levtype, name), param);
  if (level !== undefined) p.levels.add(level);
  if (category !== undefined) p.categories.add(category);
}

function compareLevels(a: Level, b: Level): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return byCodePoint(a, b);
}

export function levtypeName(levtype: string): string {
  if (levtype === noLevtype) return "no level type";
  return levelTypeName(levtype) ?? levtype;
}

function finishGroup(levtype: string, acc: LevtypeAcc): LevelTypeGroup {
  const params = [...acc.params.keys()].sort(byCodePoint);
  const all = new Set<Level>();
  const rows = new Map<string, ParamRow>();
  let fields = 0;
  for (const param of params) {
    const p = acc.params.get(param) as ParamAcc;
    const levels = [...p.levels].sort(compareLevels);
    const categories = [...p.categories].sort(byCodePoint);
    for (const l of levels) all.add(l);
    fields += Math.max(1, levels.length);
    const key = `${levels.join("\u0000")}\u0001${categories.join("\u0000")}`;
    const row = rows.get(key);
    if (row) row.params.push(param);
    else rows.set(key, { params: [param], levels, categories });
  }
  return { levtype, name: acc.name ?? levtypeName(levtype), params, levels: [...all].sort(compareLevels), rows: [...rows.values()], fields };
}

function finish(byDataset: Map<string | undefined, DatasetAcc>): DatasetVariables[] {
  const names = [...byDataset.keys()].sort((a, b) => byCodePoint(a ?? "", b ?? ""));
  return names.map((dataset) => {
    const acc = byDataset.get(dataset) as DatasetAcc;
    const groups = [...acc.keys()].sort(compareLevelTypes).map((lt) => finishGroup(lt, acc.get(lt) as LevtypeAcc));
    return { dataset, groups };
  });
}

export function fromVariables(variables: readonly VariableLike[]): DatasetVariables[] {
  const byDataset = new Map<string | undefined, DatasetAcc>();
  for (const v of variables) {
    let acc = byDataset.get(v.dataset);
    if (!acc) byDataset.set(v.dataset, (acc = new Map()));
    const levtype = v.levtype ?? noLevtype;
    addField(acc, levtype, undefined, v.param ?? v.name, v.level, v.category);
  }
  return finish(byDataset);
}

/** The level type names a levtype node gives in its metadata, e.g. {"name": {"values": ["pressure"]}}. */
function metadataNames(node: QubeNodeLike): ReadonlyArray<unknown> {
  const name = node.metadata["name"] as { values?: unknown } | undefined;
  return Array.isArray(name?.values) ? name.values : [];
}

interface Axes {
  levtypes?: Array<{ value: string; name: string | undefined }>;
  params?: string[];
  levels?: Level[];
}

function walk(node: QubeNodeLike, axes: Axes, acc: DatasetAcc): void {
  const values = node.values.values;
  let here = axes;
  if (node.key === "levtype") {
    const names = metadataNames(node);
    here = { ...axes, levtypes: values.map((v, i) => ({ value: String(v), name: typeof names[i] === "string" ? (names[i] as string) : undefined })) };
  } else if (node.key === "param") here = { ...axes, params: values.map(String) };
  else if (node.key === "level") here = { ...axes, levels: [...values] };
  if (node.children.length > 0) {
    for (const child of node.children) walk(child, here, acc);
    return;
  }
  // A leaf closes one combination of axes; axes other than levtype, param and level (e.g. step) are ignored.
  if (!here.params || here.params.length === 0) return;
  for (const lt of here.levtypes ?? [{ value: noLevtype, name: undefined }]) {
    const group = levtypeOf(acc, lt.value, lt.name);
    for (const param of here.params) {
      const p = paramOf(group, param);
      for (const level of here.levels ?? []) p.levels.add(level);
    }
  }
}

export function isQubeNode(qube: QubeLike): qube is QubeNodeLike {
  return typeof qube.key === "string" && Array.isArray((qube as QubeNodeLike).children);
}

/** A nested model's qube is an object keyed by dataset name, holding one root node per dataset. */
export function fromQube(qube: QubeLike): DatasetVariables[] {
  const roots: Array<[string | undefined, QubeNodeLike]> = isQubeNode(qube) ? [[undefined, qube]] : Object.entries(qube);
  const byDataset = new Map<string | undefined, DatasetAcc>();
  for (const [dataset, root] of roots) {
    const acc: DatasetAcc = new Map();
    walk(root, {}, acc);
    byDataset.set(dataset, acc);
  }
  return finish(byDataset);
}

type Io = { variables?: readonly VariableLike[] | undefined; qube?: QubeLike | undefined };

// The catalog and the checkpoint page read the same entry objects in one build: each is grouped once.
const grouped = new WeakMap<Io, IoVariables | undefined>();

/** The variables of an entry's inputs or outputs, from whichever form it gives; undefined when neither. */
export function ioVariables(io: Io | undefined): IoVariables | undefined {
  if (!io) return undefined;
  if (grouped.has(io)) return grouped.get(io);
  let result: IoVariables | undefined;
  if (io.variables && io.variables.length > 0) result = { from: "variables", datasets: fromVariables(io.variables) };
  else if (io.qube) result = { from: "qube", datasets: fromQube(io.qube) };
  grouped.set(io, result);
  return result;
}

export interface GlanceItem {
  dataset: string | undefined;
  /** "pl 6×13" is 6 params on 13 levels; "sfc 12" is 12 params without levels. */
  parts: string[];
}

/** A few words per dataset for the index: the params and levels of each level type. */
export function glanceItems(datasets: readonly DatasetVariables[]): GlanceItem[] {
  return datasets.map(({ dataset, groups }) => ({
    dataset,
    parts: groups.map((g) => {
      const label = g.levtype === noLevtype ? "other" : g.levtype;
      return g.levels.length > 0 ? `${label} ${g.params.length}×${g.levels.length}` : `${label} ${g.params.length}`;
    }),
  }));
}

export function fieldCount(datasets: readonly DatasetVariables[]): number {
  return datasets.reduce((n, d) => n + d.groups.reduce((m, g) => m + g.fields, 0), 0);
}

/** One param of one level type (and dataset) as a row of the sortable variables table. */
export interface VariableRow {
  dataset: string | undefined;
  levtype: string;
  levtypeName: string;
  param: string;
  levels: Level[];
  categories: string[];
}

export function variableRows(datasets: readonly DatasetVariables[]): VariableRow[] {
  return datasets.flatMap(({ dataset, groups }) =>
    groups.flatMap((g) =>
      g.rows.flatMap((r) => r.params.map((param) => ({ dataset, levtype: g.levtype, levtypeName: g.name, param, levels: r.levels, categories: r.categories }))),
    ),
  );
}
