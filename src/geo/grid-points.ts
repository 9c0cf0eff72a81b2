// A sample of a grid's points for drawing: every k-th latitude row and every k-th point along it, so a map
// shows how dense the grid is and how its rows thin out towards the poles. Gaussian latitudes are taken as
// equally spaced (90/N apart), which is within a fraction of a row of the true ones: close enough to draw.
import { parseGridName, type GridInfo } from "./grid-names.ts";

export interface GridSample {
  /** [longitude, latitude] pairs. */
  points: Array<[number, number]>;
  /** Every `step`-th row and every `step`-th point of a row. */
  step: number;
}

/** Latitude rows of a grid, north to south, with the number of points on each. */
function rows(info: GridInfo): Array<{ lat: number; count: number }> {
  const out: Array<{ lat: number; count: number }> = [];
  if (info.kind === "regular-latlon") {
    const count = Math.round(360 / info.longitudeStep);
    for (let lat = 90; lat >= -90; lat -= info.latitudeStep) out.push({ lat, count });
    return out;
  }
  const n = info.gaussianNumber!;
  for (let i = 1; i <= 2 * n; i++) {
    const fromPole = i <= n ? i : 2 * n + 1 - i;
    const count = info.kind === "octahedral" ? 4 * fromPole + 16 : 4 * n;
    out.push({ lat: 90 - (i - 0.5) * info.latitudeStep, count });
  }
  return out;
}

/** Up to about `budget` points of the grid; undefined for grids whose rows have no formula (classic reduced N). */
export function gridSample(name: string, budget = 900): GridSample | undefined {
  const info = parseGridName(name);
  if (!info || info.kind === "reduced-gaussian") return undefined;
  const all = rows(info);
  const total = all.reduce((n, r) => n + r.count, 0);
  const step = Math.max(1, Math.ceil(Math.sqrt(total / budget)));
  const points: Array<[number, number]> = [];
  for (let r = 0; r < all.length; r += step) {
    const { lat, count } = all[r]!;
    for (let j = 0; j < count; j += step) points.push([(360 * j) / count - 180, lat]);
  }
  return { points, step };
}
