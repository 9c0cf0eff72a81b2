// The catalog's facets: what each one is called, the value every entry has for it, and how a value reads.
// Shared by the page (counts for all entries) and the browser (counts for what is shown), so both agree.
// Values never hold "=" or "|": a facet token is "key=value".

export const facetKeys = ["domain", "region", "resolution", "os", "arch", "accel", "timestep", "task", "status", "author", "license"] as const;
export type FacetKey = (typeof facetKeys)[number];

export const facetTitles: Record<FacetKey, string> = {
  os: "Operating system",
  arch: "CPU architecture",
  accel: "Accelerator and evidence",
  domain: "Domain",
  region: "Limited area's region",
  resolution: "Finest grid spacing",
  timestep: "Time step",
  task: "Forecast type",
  status: "Status",
  author: "Author",
  license: "License",
};

/** The value an entry has when the registry does not know it yet. */
export const unknownValue = "unknown";

const valueWords: Partial<Record<FacetKey, Record<string, string>>> = {
  os: { linux: "Linux", macos: "macOS" },
  domain: { global: "Global", "limited-area": "Limited area" },
  task: { deterministic: "Deterministic", ensemble: "Ensemble", interpolator: "Interpolator" },
  license: { NOASSERTION: "none published" },
};

/** Bands of the finest grid spacing, in km: each value is "<from>-<to>" ("100-" has no upper end). */
export const resolutionBands = [
  [0, 5],
  [5, 15],
  [15, 40],
  [40, 100],
  [100, undefined],
] as const;

/** The band of a grid spacing in km, e.g. "15-40" for 31.3. */
export function resolutionBand(km: number): string {
  const band = resolutionBands.find(([from, to]) => km >= from && (to === undefined || km < to)) ?? resolutionBands[0];
  return `${band[0]}-${band[1] ?? ""}`;
}

function resolutionLabel(value: string): string {
  const [from, to] = value.split("-");
  if (!to) return `${from} km or coarser`;
  return from === "0" ? `finer than ${to} km` : `${from} to ${to} km`;
}

const acceleratorNames: Record<string, string> = { cuda: "CUDA", mps: "MPS", cpu: "CPU", rocm: "ROCm" };
const statusWords: Record<string, string> = { compatible: "compatible", degraded: "degraded", incompatible: "incompatible", "not-checked": "not checked yet" };

/** How a facet value reads, e.g. "CUDA · not checked yet" for accel "cuda:not-checked". */
export function facetValueLabel(key: FacetKey, value: string): string {
  if (value === unknownValue) return key === "license" || key === "os" ? "not stated" : key === "region" ? "none (global)" : "not yet known";
  if (key === "accel") {
    const [accelerator = value, status = ""] = value.split(":");
    return `${acceleratorNames[accelerator] ?? accelerator} · ${statusWords[status] ?? status}`;
  }
  if (key === "arch") return value;
  if (key === "resolution") return resolutionLabel(value);
  return valueWords[key]?.[value] ?? value;
}

/** Order of values in a facet: by count, most first, then by label; "unknown" last; resolution bands finest first. */
export function compareFacetValues(a: { value: string; count: number; label: string }, b: { value: string; count: number; label: string }): number {
  if ((a.value === unknownValue) !== (b.value === unknownValue)) return a.value === unknownValue ? 1 : -1;
  const band = (v: string) => resolutionBands.findIndex(([from, to]) => v === `${from}-${to ?? ""}`);
  if (band(a.value) >= 0 && band(b.value) >= 0) return band(a.value) - band(b.value);
  return b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

export const facetToken = (key: FacetKey, value: string) => `${key}=${value.replaceAll("|", "/").replaceAll("=", "-")}`;

/** Upper bounds offered for "GPU memory up to", in GiB. */
export const gpuMemoryChoicesGib = [8, 12, 16, 24, 32, 48, 80] as const;

export const sortKeys = ["name", "date-desc", "date-asc", "resolution-asc", "size-asc", "size-desc"] as const;
export type SortKey = (typeof sortKeys)[number];

export const sortTitles: Record<SortKey, string> = {
  name: "Name, A to Z",
  "size-asc": "Size, smallest first",
  "size-desc": "Size, largest first",
  "date-desc": "Newest first",
  "date-asc": "Oldest first",
  "resolution-asc": "Finest grid first",
};
