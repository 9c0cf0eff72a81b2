// What the catalog shows for a state: the entries that pass the search, the facets, the GPU memory bound and
// "fits my machine", in the chosen order; the count of each facet value (with the other facets applied, so a
// value can still be added); and the entries the machine excludes, each with its reasons.
import { machineFit } from "../platform/machine-fit.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import type { ClientItem } from "./catalog-item.ts";
import type { CatalogState } from "./catalog-state.ts";
import { facetKeys, gpuMemoryChoicesGib, type FacetKey } from "./facets.ts";

export interface CatalogView {
  /** Ids of the entries shown, in display order. */
  shown: string[];
  counts: Record<FacetKey, Map<string, number>>;
  /** Entries shown for each "GPU memory up to" choice, the other filters applied. */
  gpuCounts: Map<number, number>;
  /** Entries that pass every other filter but not "fits my machine". */
  excluded: Array<{ id: string; reasons: string[] }>;
  /** What is not known about the shown entries that might still keep them off the machine. */
  caveats: Map<string, string[]>;
  /** Why each shown entry fits the machine, in words. */
  support: Map<string, string[]>;
}

/** Whether an item's text holds every word of the query. */
export function plainMatch(item: ClientItem, query: string): boolean {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "");
  return words.every((w) => item.text.includes(w));
}

function facetPasses(item: ClientItem, state: CatalogState, skip?: FacetKey): boolean {
  for (const key of facetKeys) {
    const wanted = state.facets[key];
    if (key === skip || !wanted || wanted.length === 0) continue;
    if (!wanted.some((v) => item.facets.includes(`${key}=${v}`))) return false;
  }
  return true;
}

/** A known minimum within the bound, or no minimum at all; an unmeasured need does not pass. */
function gpuPasses(item: ClientItem, maxGib: number | undefined): boolean {
  if (maxGib === undefined) return true;
  return item.gpu === null || (typeof item.gpu === "number" && item.gpu <= maxGib * 1024);
}

const compareOptional = <T>(a: T | undefined, b: T | undefined, compare: (x: T, y: T) => number): number =>
  a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : compare(a, b);

function sorter(state: CatalogState): (a: ClientItem, b: ClientItem) => number {
  const byName = (a: ClientItem, b: ClientItem) => byCodePoint(a.name.toLowerCase(), b.name.toLowerCase()) || byCodePoint(a.id, b.id);
  switch (state.sort) {
    case "size-asc":
      return (a, b) => compareOptional(a.size, b.size, (x, y) => x - y) || byName(a, b);
    case "size-desc":
      return (a, b) => compareOptional(a.size, b.size, (x, y) => y - x) || byName(a, b);
    case "date-desc":
      return (a, b) => compareOptional(a.date, b.date, (x, y) => byCodePoint(y, x)) || byName(a, b);
    case "date-asc":
      return (a, b) => compareOptional(a.date, b.date, byCodePoint) || byName(a, b);
    case "resolution-asc":
      return (a, b) => compareOptional(a.res, b.res, (x, y) => x - y) || byName(a, b);
    default:
      return byName;
  }
}

/** `searchHits`: ids a full-text index found for the query, on top of the plain match. */
export function catalogView(items: readonly ClientItem[], state: CatalogState, searchHits?: ReadonlySet<string>): CatalogView {
  const query = state.q.trim();
  const counts = Object.fromEntries(facetKeys.map((k) => [k, new Map<string, number>()])) as Record<FacetKey, Map<string, number>>;
  const gpuCounts = new Map<number, number>(gpuMemoryChoicesGib.map((g) => [g, 0]));
  const shown: ClientItem[] = [];
  const excluded: CatalogView["excluded"] = [];
  const caveats = new Map<string, string[]>();
  const support = new Map<string, string[]>();
  for (const item of items) {
    if (query !== "" && !plainMatch(item, query) && !searchHits?.has(item.id)) continue;
    const fit = state.fit ? machineFit(item.fit, state.fit) : undefined;
    const facetsPass = facetPasses(item, state);
    const gpuPass = gpuPasses(item, state.gpuMaxGib);
    if (fit && !fit.fits) {
      if (facetsPass && gpuPass) excluded.push({ id: item.id, reasons: fit.reasons });
      continue;
    }
    if (facetsPass) for (const g of gpuMemoryChoicesGib) if (gpuPasses(item, g)) gpuCounts.set(g, gpuCounts.get(g)! + 1);
    if (!gpuPass) continue;
    for (const key of facetKeys) {
      if (!facetPasses(item, state, key)) continue;
      for (const token of item.facets) {
        if (!token.startsWith(`${key}=`)) continue;
        const value = token.slice(key.length + 1);
        counts[key].set(value, (counts[key].get(value) ?? 0) + 1);
      }
    }
    if (!facetsPass) continue;
    shown.push(item);
    if (fit && fit.caveats.length > 0) caveats.set(item.id, fit.caveats);
    if (fit) support.set(item.id, fit.support);
  }
  return { shown: shown.sort(sorter(state)).map((i) => i.id), counts, gpuCounts, excluded, caveats, support };
}
