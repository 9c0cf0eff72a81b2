// Grid names as anemoi and MARS write them ("o96", "N320", "F80", "0.25/0.25"): what kind of grid each is,
// whether it covers the globe, its spacing, and for the grids defined by a formula, their points.

export type GridKind = "octahedral" | "reduced-gaussian" | "regular-gaussian" | "regular-latlon";

export interface GridInfo {
  kind: GridKind;
  /** Gaussian grids: latitude lines between a pole and the equator. */
  gaussianNumber?: number;
  /** Latitude spacing in degrees (Gaussian: 90/N, near enough to the true Gaussian latitudes). */
  latitudeStep: number;
  /** Longitude spacing at the equator, in degrees. */
  longitudeStep: number;
  /** Gaussian grids always span the globe; a lat/lon grid spans whatever area it is cut to. */
  global: boolean;
  /** Number of points, where the grid's definition gives it without a table (classic reduced grids need one). */
  points?: number;
}

/** Kilometres per degree of latitude on the mean Earth sphere (R = 6371.0088 km). */
export const kmPerDegree = (2 * Math.PI * 6371.0088) / 360;

function gaussian(kind: GridKind, n: number): GridInfo | undefined {
  if (!Number.isSafeInteger(n) || n < 1 || n > 16_000) return undefined;
  const latitudeStep = 90 / n;
  if (kind === "octahedral") {
    // Row i (1 at the pole) of an octahedral grid has 4i + 16 points; the equator rows have 4N + 16.
    return { kind, gaussianNumber: n, latitudeStep, longitudeStep: 360 / (4 * n + 16), global: true, points: 4 * n * n + 36 * n };
  }
  if (kind === "regular-gaussian") return { kind, gaussianNumber: n, latitudeStep, longitudeStep: 360 / (4 * n), global: true, points: 8 * n * n };
  const points = classicReducedPoints[n];
  return { kind, gaussianNumber: n, latitudeStep, longitudeStep: 360 / (4 * n), global: true, ...(points ? { points } : {}) };
}

// Classic reduced Gaussian grids have a row table of their own; the counts of those the registry's models use.
// N320: 542,080 points (ECMWF's N320, the grid of AIFS Single and Bris's global part).
const classicReducedPoints: Record<number, number> = { 320: 542_080 };

const gaussianPrefix: Record<string, GridKind> = { o: "octahedral", n: "reduced-gaussian", f: "regular-gaussian" };

/** What a grid name says, or undefined for a name this module does not know. */
export function parseGridName(name: string): GridInfo | undefined {
  const text = name.trim();
  const g = /^([ONF])(\d+)$/i.exec(text);
  if (g) return gaussian(gaussianPrefix[g[1]!.toLowerCase()]!, Number(g[2]));
  const ll = /^(\d+(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?$/.exec(text);
  if (ll) {
    const dlat = Number(ll[1]);
    const dlon = Number(ll[2] ?? ll[1]);
    if (!(dlat > 0 && dlat <= 90 && dlon > 0 && dlon <= 360)) return undefined;
    return { kind: "regular-latlon", latitudeStep: dlat, longitudeStep: dlon, global: false };
  }
  return undefined;
}

/** Approximate grid spacing in km, to one decimal, from the latitude step: 31.3 for n320. */
export function gridResolutionKm(name: string): number | undefined {
  const info = parseGridName(name);
  return info ? Math.round(info.latitudeStep * kmPerDegree * 10) / 10 : undefined;
}

const kindWords: Record<GridKind, string> = {
  octahedral: "octahedral reduced Gaussian",
  "reduced-gaussian": "reduced Gaussian",
  "regular-gaussian": "regular Gaussian",
  "regular-latlon": "regular latitude/longitude",
};

/** A grid's kind in words, e.g. "octahedral reduced Gaussian" for o96. */
export function gridKindWords(name: string): string | undefined {
  const info = parseGridName(name);
  return info ? kindWords[info.kind] : undefined;
}
