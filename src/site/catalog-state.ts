// The catalog's state (search, facets, GPU memory, sort, "fits my machine") and its URL form, so that a
// filtered list can be bookmarked and shared. Writing a state and reading it back gives the same state.
import type { Machine } from "../platform/machine-fit.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { facetKeys, gpuMemoryChoicesGib, sortKeys, type FacetKey, type SortKey } from "./facets.ts";

export interface CatalogState {
  q: string;
  facets: Partial<Record<FacetKey, string[]>>;
  /** Show only entries that need at most this much GPU memory. */
  gpuMaxGib?: number;
  sort: SortKey;
  /** The machine "fits my machine" compares with; absent while that filter is off. */
  fit?: Machine;
}

export const defaultSort: SortKey = "name";

export function emptyState(): CatalogState {
  return { q: "", facets: {}, sort: defaultSort };
}

const osValues = ["linux", "macos"] as const;
const archValues = ["x86_64", "aarch64"] as const;

function positiveNumber(text: string | null): number | undefined {
  if (text === null || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n <= 1_000_000 ? n : undefined;
}

export function readState(params: URLSearchParams): CatalogState {
  const state = emptyState();
  state.q = (params.get("q") ?? "").slice(0, 200);
  for (const key of facetKeys) {
    const values = [...new Set(params.getAll(key).filter((v) => v !== ""))].sort(byCodePoint);
    if (values.length > 0) state.facets[key] = values;
  }
  // Each parameter counts only when it is one of the known values; find() returns that value, typed.
  const gpu = positiveNumber(params.get("gpu"));
  const gpuChoice = gpuMemoryChoicesGib.find((choice) => choice === gpu);
  if (gpuChoice !== undefined) state.gpuMaxGib = gpuChoice;
  const sortParam = params.get("sort");
  const sort = sortKeys.find((key) => key === sortParam);
  if (sort) state.sort = sort;
  const osParam = params.get("fit-os");
  const archParam = params.get("fit-arch");
  const os = osValues.find((v) => v === osParam);
  const arch = archValues.find((v) => v === archParam);
  const fitGpu = positiveNumber(params.get("fit-gpu"));
  if (params.has("fit")) {
    state.fit = {
      ...(os ? { os } : {}),
      ...(arch ? { arch } : {}),
      ...(fitGpu !== undefined ? { gpuMemoryMib: Math.round(fitGpu * 1024) } : {}),
    };
  }
  return state;
}

/** The query string of a state ("" for the default state), parameters in a fixed order. */
export function writeState(state: CatalogState): string {
  const params = new URLSearchParams();
  if (state.q.trim() !== "") params.set("q", state.q.trim());
  for (const key of facetKeys) for (const value of [...(state.facets[key] ?? [])].sort(byCodePoint)) params.append(key, value);
  if (state.gpuMaxGib !== undefined) params.set("gpu", String(state.gpuMaxGib));
  if (state.sort !== defaultSort) params.set("sort", state.sort);
  if (state.fit) {
    params.set("fit", "1");
    if (state.fit.os) params.set("fit-os", state.fit.os);
    if (state.fit.arch) params.set("fit-arch", state.fit.arch);
    if (state.fit.gpuMemoryMib !== undefined) params.set("fit-gpu", String(Math.round((state.fit.gpuMemoryMib / 1024) * 100) / 100));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
