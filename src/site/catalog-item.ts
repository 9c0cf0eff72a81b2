// One entry as the catalog lists it: the facts a person choosing a model compares, the facet values it is
// counted under, its sort keys and what "fits my machine" needs. Made once per entry at build time; the
// browser gets the `client` part as JSON.
import type { Entry } from "../contract/index.ts";
import { canonicalTimestep } from "../contract/duration.ts";
import { buildNeeds, type BuildNeeds } from "../platform/builds.ts";
import { boundsText, parseArea, type Bounds } from "../geo/area.ts";
import { acceleratorSupport, type AcceleratorSupport } from "../platform/accelerators.ts";
import type { FitFacts } from "../platform/machine-fit.ts";
import { wheelRestrictions } from "../platform/wheel-tags.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { facetToken, resolutionBand, unknownValue, type FacetKey } from "./facets.ts";
import { firstSentence } from "./format.ts";

export type ModelDomain = "global" | "limited-area";

export interface DomainSummary {
  kind: ModelDomain | undefined;
  /** The limited area's bounds, when known. */
  bounds: Bounds | undefined;
  /** Names of the grids the datasets use, e.g. ["o48", "0.5/0.5"]. */
  grids: string[];
  /** A limited area inside a global dataset (a nested or cut-out model). */
  nested: boolean;
  /** The limited areas' regions in words, e.g. ["Malawi"]. */
  regions: string[];
  /** The finest grid spacing of the datasets, in km. */
  finestKm: number | undefined;
  /** The grid spacing in words, e.g. "2.8 km over Malawi, 31.3 km elsewhere". */
  resolutionText: string | undefined;
  /** One line for people, e.g. "Limited area, 70°N to 20°N, 20°W to 30°E, in a global o48 grid". */
  text: string;
}

/** What the browser needs of an entry to filter, sort, search and fit it. */
export interface ClientItem {
  id: string;
  /** Facet tokens "key=value". */
  facets: string[];
  /** GPU memory needed in MiB: FIAB's minimum, else the measured, stated or estimated figure; null: no minimum; absent: not known. */
  gpu?: number | null;
  name: string;
  size?: number;
  date?: string;
  /** The finest grid spacing in km, for sorting. */
  res?: number;
  /** Lowercased text the plain filter searches. */
  text: string;
  fit: FitFacts;
}

/** What the catalog derives from an entry for people: its domain, accelerators and architectures. */
export interface EntryFacts {
  id: string;
  entry: Entry;
  domain: DomainSummary;
  accelerators: AcceleratorSupport[];
  /** Architectures stated, or the wheels' restriction; undefined: not restricted. */
  architectures: string[] | undefined;
  /** release date, else the date the checkpoint was written. */
  date: string | undefined;
  /** What a machine needs to run this build, in words. */
  build: BuildNeeds;
  /** The time step as FIAB's runtime reads it ("24h" for an entry still written "1d"). */
  timestep: string | undefined;
}

export interface CatalogItem extends EntryFacts {
  client: ClientItem;
}

const kmText = (km: number) => `${Math.round(km * 10) / 10} km`;

export function domainSummary(entry: Entry): DomainSummary {
  const datasets = entry.inputs?.datasets ?? [];
  const limited = datasets.find((d) => d.domain === "limited-area");
  const global = datasets.find((d) => d.domain === "global");
  const kind: ModelDomain | undefined = limited ? "limited-area" : datasets.length > 0 && datasets.every((d) => d.domain === "global") ? "global" : undefined;
  const bounds = limited?.area === undefined ? undefined : parseArea(limited.area);
  const grids = [...new Set(datasets.flatMap((d) => (d.grid ? [d.grid] : [])))];
  const nested = limited !== undefined && (global !== undefined || entry.configuration?.nestedModel === true);
  const regions = [...new Set(datasets.flatMap((d) => (d.domain === "limited-area" && d.region ? [d.region] : [])))];
  const spacings = datasets.flatMap((d) => (d.resolutionKm !== undefined ? [d.resolutionKm] : []));
  const finestKm = spacings.length > 0 ? Math.min(...spacings) : undefined;
  let text = "Not yet read from the checkpoint";
  if (kind === "global") text = `Global${grids.length ? `, ${grids.join(" and ")} grid` : ""}`;
  if (kind === "limited-area") {
    const region = limited?.region ? ` over ${limited.region}` : "";
    const where = bounds ? `, ${boundsText(bounds)}` : region ? "" : ", bounds not yet read";
    const grid = limited?.grid ? `, ${limited.grid} grid` : "";
    const outer = nested ? `, nested in a global${global?.grid ? ` ${global.grid}` : ""} domain` : "";
    text = `Limited area${region}${where}${grid}${outer}`;
  }
  let resolutionText: string | undefined;
  if (kind === "limited-area" && limited?.resolutionKm !== undefined) {
    resolutionText = `${kmText(limited.resolutionKm)}${limited.region ? ` over ${limited.region}` : " in the limited area"}${global?.resolutionKm !== undefined ? `, ${kmText(global.resolutionKm)} elsewhere` : ""}`;
  } else if (finestKm !== undefined) resolutionText = `${kmText(finestKm)}${grids.length === 1 ? ` (${grids[0]})` : ""}`;
  return { kind, bounds, grids, nested, regions, finestKm, resolutionText, text };
}

/** Grids named in the input options (e.g. FIAB fetching N320 fields that are then regridded), for search. */
export function inputOptionGrids(entry: Entry): string[] {
  const grids = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 8 || value === null || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "grid" && typeof inner === "string" && !inner.startsWith("checkpoint:")) grids.add(inner);
      else walk(inner, depth + 1);
    }
  };
  walk(entry.configuration?.inputOptions, 0);
  return [...grids];
}

function dateOf(entry: Entry): string | undefined {
  const written = entry.provenance?.trainingTimestamp;
  return entry.publication?.releaseDate ?? (written && /^\d{4}-\d{2}-\d{2}/.test(written) ? written.slice(0, 10) : undefined);
}

function facetValues(
  entry: Entry,
  domain: DomainSummary,
  accelerators: AcceleratorSupport[],
  architectures: string[] | undefined,
  timestep: string | undefined,
): Record<FacetKey, string[]> {
  const known = (value: string | undefined | null) => [value ? value : unknownValue];
  return {
    region: domain.regions.length > 0 ? domain.regions : [unknownValue],
    resolution: known(domain.finestKm === undefined ? undefined : resolutionBand(domain.finestKm)),
    os: entry.infrastructure?.supportedOs?.length ? [...entry.infrastructure.supportedOs] : [unknownValue],
    // An entry no wheel restricts installs on either architecture.
    arch: architectures ?? ["x86_64", "aarch64"],
    accel: accelerators.length > 0 ? accelerators.map((a) => `${a.accelerator}:${a.status}`) : [unknownValue],
    domain: known(domain.kind),
    timestep: known(timestep),
    task: known(entry.model?.task),
    status: known(entry.tags?.["status"]),
    author: known(entry.display.author),
    license: known(entry.publication?.license),
  };
}

function searchText(id: string, entry: Entry, domain: DomainSummary, accelerators: AcceleratorSupport[], architectures: string[] | undefined): string {
  const words = [
    id,
    entry.display.name,
    entry.display.author,
    // The card shows the first sentence; the full text is Pagefind's (search-records.ts), which the page loads.
    firstSentence(entry.display.description),
    entry.display.comment ?? "",
    ...Object.entries(entry.tags ?? {}).map(([k, v]) => (v === null ? k : `${k} ${v}`)),
    entry.publication?.license ?? "",
    entry.model?.task ?? "",
    entry.model?.anemoiTask ?? "",
    entry.model?.timestep ?? "",
    domain.kind === "limited-area" ? "limited-area limited area lam regional" : (domain.kind ?? ""),
    ...domain.regions,
    domain.nested ? "nested" : "",
    ...domain.grids,
    ...inputOptionGrids(entry),
    ...(entry.infrastructure?.supportedOs ?? []),
    ...(architectures ?? []),
    ...accelerators.map((a) => a.accelerator),
    ...Object.keys(entry.compatibility ?? {}),
    entry.configuration?.ensemble?.supported ? "ensemble" : "",
  ];
  return [...new Set(words.filter((w) => w !== "").map((w) => w.toLowerCase()))].join(" ");
}

// The catalog and the checkpoint page of one build read the same entry objects: each is derived once.
const derived = new WeakMap<Entry, EntryFacts>();

export function entryFacts(id: string, entry: Entry): EntryFacts {
  const known = derived.get(entry);
  if (known && known.id === id) return known;
  const facts = deriveFacts(id, entry);
  derived.set(entry, facts);
  return facts;
}

function deriveFacts(id: string, entry: Entry): EntryFacts {
  const wheels = wheelRestrictions(entry.requirements?.pipConstraints ?? []);
  const architectures = entry.infrastructure?.architectures ?? wheels.architectures;
  const needsCuda = wheels.needsCuda || (entry.pickle?.modules.includes("flash_attn") ?? false);
  const accelerators = acceleratorSupport({ supportedOs: entry.infrastructure?.supportedOs, needsCuda, compatibility: entry.compatibility });
  const build = buildNeeds({
    pipConstraints: entry.requirements?.pipConstraints,
    pickleModules: entry.pickle?.modules,
    supportedOs: entry.infrastructure?.supportedOs,
    architectures,
  });
  const timestep = entry.model?.timestep === undefined ? undefined : (canonicalTimestep(entry.model.timestep) ?? entry.model.timestep);
  return { id, entry, domain: domainSummary(entry), accelerators, architectures, date: dateOf(entry), build, timestep };
}

export function catalogItem(id: string, entry: Entry): CatalogItem {
  const facts = entryFacts(id, entry);
  const { domain, accelerators, architectures, date, timestep } = facts;
  const facets = facetValues(entry, domain, accelerators, architectures, timestep);
  const minimum = entry.infrastructure?.minimumGpuMemoryMib;
  const need = entry.infrastructure?.gpuMemory;
  // "GPU memory needed, at most" reads FIAB's minimum where stated, else what is measured or estimated.
  const gpu = minimum !== undefined ? minimum : need?.mib;
  const platforms = Object.fromEntries(
    Object.entries(entry.compatibility ?? {})
      .map(([key, record]) => [key, record.status])
      .sort(([a], [b]) => byCodePoint(a!, b!)),
  );
  const client: ClientItem = {
    id,
    facets: (Object.entries(facets) as Array<[FacetKey, string[]]>).flatMap(([key, values]) => values.map((v) => facetToken(key, v))),
    ...(gpu !== undefined ? { gpu } : {}),
    name: entry.display.name,
    ...(entry.source.sizeBytes !== undefined ? { size: entry.source.sizeBytes } : {}),
    ...(date ? { date } : {}),
    ...(domain.finestKm !== undefined ? { res: domain.finestKm } : {}),
    text: searchText(id, entry, domain, accelerators, architectures),
    fit: {
      ...(entry.infrastructure?.supportedOs ? { supportedOs: entry.infrastructure.supportedOs } : {}),
      ...(architectures ? { architectures } : {}),
      ...(minimum !== undefined ? { minimumGpuMemoryMib: minimum } : {}),
      ...(need ? { gpuMemory: { mib: need.mib, kind: need.kind, ...(need.atLeast ? { atLeast: true } : {}) } } : {}),
      accelerators,
      platforms,
    },
  };
  return { ...facts, client };
}
