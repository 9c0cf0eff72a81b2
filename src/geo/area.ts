// Areas as MARS and anemoi write them, "north/west/south/east" in degrees (e.g. "70/-20/20/30"): parsed,
// checked, and told apart from the whole globe.

export interface Bounds {
  north: number;
  west: number;
  south: number;
  east: number;
}

/** The bounds of an area text; undefined unless it is four numbers with north >= south within [-90, 90]. */
export function parseArea(text: string): Bounds | undefined {
  const parts = text.split("/").map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^[-+]?\d+(\.\d+)?$/.test(p))) return undefined;
  const [north, west, south, east] = parts.map(Number) as [number, number, number, number];
  if (north > 90 || south < -90 || north < south) return undefined;
  if (Math.abs(west) > 360 || Math.abs(east) > 360) return undefined;
  return { north, west, south, east };
}

/** Degrees of longitude from west to east, going east (an area may cross the antimeridian: 170/-170 is 20°). */
export function longitudeSpan(b: Bounds): number {
  const span = (((b.east - b.west) % 360) + 360) % 360;
  return span === 0 && b.east !== b.west ? 360 : span;
}

/** Whether the bounds cover (nearly: within one degree) the whole globe, as "90/-180/-90/180" or "90/0/-90/360" do. */
export function isWholeGlobe(b: Bounds): boolean {
  const lonSpan = Math.abs(b.east - b.west);
  return b.north >= 89 && b.south <= -89 && lonSpan >= 359;
}

/** Degrees to at most three decimals, about 100 m: coordinates read from float arrays carry rounding noise (59.90499999999997). */
export function degreesText(value: number): string {
  const rounded = Math.round(Math.abs(value) * 1000) / 1000;
  return `${rounded}°`;
}

function latitudeText(lat: number): string {
  const rounded = Math.round(lat * 1000) / 1000;
  return rounded === 0 ? "0°" : `${degreesText(rounded)}${rounded > 0 ? "N" : "S"}`;
}

function longitudeText(lon: number): string {
  const wrapped = Math.round((((((lon + 180) % 360) + 360) % 360) - 180) * 1000) / 1000;
  return wrapped === 0 ? "0°" : `${degreesText(wrapped)}${wrapped > 0 ? "E" : "W"}`;
}

/** The bounds in words, e.g. "70°N to 20°N, 20°W to 30°E". */
export function boundsText(b: Bounds): string {
  return `${latitudeText(b.north)} to ${latitudeText(b.south)}, ${longitudeText(b.west)} to ${longitudeText(b.east)}`;
}
