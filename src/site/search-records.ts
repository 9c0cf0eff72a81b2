// What the full-text search (Pagefind) indexes per entry: names, description, tags, license, grids and
// domain, platforms, and every variable and MARS parameter the model reads or writes. Records are built
// from the entries rather than parsed back out of the HTML, which costs a tenth of the time.
import type { Entry } from "../contract/index.ts";
import { inputOptionGrids } from "./catalog-item.ts";
import { levelTypeName } from "../contract/level-types.ts";

export interface SearchRecord {
  url: string;
  content: string;
  language: string;
  meta: Record<string, string>;
  filters: Record<string, string[]>;
}

/** Params and level types (code and name) anywhere in a qube, one root or one per dataset. */
function qubeWords(node: unknown, words: string[], depth = 0): void {
  if (depth > 16 || node === null || typeof node !== "object") return;
  const axis = node as { key?: unknown; values?: { values?: unknown }; children?: unknown };
  if (typeof axis.key !== "string") {
    for (const root of Object.values(node)) qubeWords(root, words, depth + 1);
    return;
  }
  const values = Array.isArray(axis.values?.values) ? axis.values.values : [];
  if (axis.key === "param") for (const v of values) words.push(String(v));
  if (axis.key === "levtype") for (const v of values) words.push(String(v), levelTypeName(String(v)) ?? "");
  if (Array.isArray(axis.children)) for (const child of axis.children) qubeWords(child, words, depth + 1);
}

function variableWords(
  io: { variables?: ReadonlyArray<{ name: string; param?: string | undefined; levtype?: string | undefined }> | undefined; qube?: unknown } | undefined,
): string[] {
  const words: string[] = [];
  for (const v of io?.variables ?? []) words.push(v.name, v.param ?? "", v.levtype ?? "", levelTypeName(v.levtype ?? "") ?? "");
  qubeWords(io?.qube, words);
  return words;
}

export function searchRecord(id: string, entry: Entry): SearchRecord {
  const datasets = entry.inputs?.datasets ?? [];
  const words = [
    entry.display.name,
    id,
    entry.display.author,
    entry.display.description,
    entry.display.comment ?? "",
    ...Object.entries(entry.tags ?? {}).flatMap(([k, v]) => [k, v ?? ""]),
    entry.publication?.license ?? "",
    entry.model?.task ?? "",
    entry.model?.anemoiTask ?? "",
    entry.configuration?.ensemble?.supported ? "ensemble" : "",
    ...datasets.flatMap((d) => [d.name, d.grid ?? "", d.region ?? "", d.domain === "limited-area" ? "limited area LAM regional" : (d.domain ?? "")]),
    ...inputOptionGrids(entry),
    ...(entry.infrastructure?.supportedOs ?? []),
    ...(entry.infrastructure?.architectures ?? []),
    ...Object.keys(entry.compatibility ?? {}).flatMap((k) => k.split("-")),
    ...variableWords(entry.inputs),
    ...variableWords(entry.outputs),
  ];
  const content = [...new Set(words.filter((w) => w !== ""))].join(" ");
  // The entry filter lets the catalog learn every matching id from one search, without loading a fragment each.
  return { url: `/checkpoints/${id}/`, content, language: "en", meta: { title: entry.display.name }, filters: { entry: [id] } };
}
