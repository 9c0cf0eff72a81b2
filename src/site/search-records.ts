// What the full-text search (Pagefind) indexes per entry: names, description, tags, license, grids and
// domain, platforms, and every variable and MARS parameter the model reads or writes. Records are built
// from the entries rather than parsed back out of the HTML, which costs a tenth of the time.
import type { Entry } from "../contract/index.ts";
import { inputOptionGrids } from "./catalog-item.ts";
import { ioVariables } from "./qube-variables.ts";

export interface SearchRecord {
  url: string;
  content: string;
  language: string;
  meta: Record<string, string>;
  filters: Record<string, string[]>;
}

function variableWords(io: Parameters<typeof ioVariables>[0]): string[] {
  const words: string[] = [];
  for (const v of io?.variables ?? []) words.push(v.name, v.param ?? "", v.levtype ?? "");
  for (const d of ioVariables(io)?.datasets ?? []) for (const g of d.groups) words.push(g.levtype, g.name, ...g.params);
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
    ...datasets.flatMap((d) => [d.name, d.grid ?? "", d.domain === "limited-area" ? "limited area LAM regional" : d.domain ?? ""]),
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
