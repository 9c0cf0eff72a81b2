// A model's domain drawn as SVG at build time with d3-geo: the globe for a global model, the area on a map
// centred on it for a limited-area one, and a small world per catalog row. Coordinates are rounded to one
// decimal, so the same domain gives the same bytes on every machine.
import type { Feature, Polygon } from "geojson";
import { geoArea, geoAzimuthalEqualArea, geoGraticule, geoNaturalEarth1, geoPath, type GeoProjection, type GeoStream, type GeoStreamWrapper } from "d3-geo";
import { escapeMarkup } from "../text/markup.ts";
import { longitudeSpan, type Bounds } from "./area.ts";
import { gridSample } from "./grid-points.ts";
import { worldLand } from "./world-land.ts";

export interface MapDomain {
  kind: "global" | "limited-area" | undefined;
  bounds?: Bounds | undefined;
  /** A limited area inside a global domain. */
  nested?: boolean;
  /** The grid of a global domain, drawn as a sample of its points when its name says where they are. */
  grid?: string | undefined;
}

/** The bounds as a polygon that follows parallels and meridians (d3 joins corners by great circles). */
export function areaPolygon(b: Bounds): Feature<Polygon> {
  const east = b.west + longitudeSpan(b);
  const ring: Array<[number, number]> = [];
  const steps = (from: number, to: number) => Math.max(2, Math.ceil(Math.abs(to - from)));
  for (let i = 0, n = steps(b.west, east); i <= n; i++) ring.push([b.west + ((east - b.west) * i) / n, b.north]);
  for (let i = 1, n = steps(b.north, b.south); i <= n; i++) ring.push([east, b.north + ((b.south - b.north) * i) / n]);
  for (let i = 1, n = steps(b.west, east); i <= n; i++) ring.push([east - ((east - b.west) * i) / n, b.south]);
  for (let i = 1, n = steps(b.north, b.south); i < n; i++) ring.push([b.west, b.south + ((b.north - b.south) * i) / n]);
  ring.push(ring[0]!);
  const polygon: Feature<Polygon> = { type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [ring] } };
  // d3-geo reads a ring clockwise as its inside; the other way round it would be the rest of the globe.
  if (geoArea(polygon) > 2 * Math.PI) polygon.geometry.coordinates[0]!.reverse();
  return polygon;
}

function areaCentre(b: Bounds): [number, number] {
  return [b.west + longitudeSpan(b) / 2, (b.north + b.south) / 2];
}

/** The area grown by a fifth of its size on each side, and to at least 40° across, so the region is recognisable. */
function contextBounds(b: Bounds): Bounds {
  const lat = Math.max((b.north - b.south) / 5, (40 - (b.north - b.south)) / 2);
  const lon = Math.max(longitudeSpan(b) / 5, (40 - longitudeSpan(b)) / 2);
  return { north: Math.min(90, b.north + lat), south: Math.max(-90, b.south - lat), west: b.west - lon, east: b.west + longitudeSpan(b) + lon };
}

function svg(width: number, height: number, label: string, body: string, className: string): string {
  return `<svg class="${className}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeMarkup(label)}"><title>${escapeMarkup(label)}</title>${body}</svg>`;
}

/**
 * The projection followed by dropping every point closer than `minDistance` pixels to the last one kept:
 * Natural Earth's coastlines have far more points than a small map can show (the world at 96 px wide goes
 * from 47 KB to a fraction of it).
 */
function thinned(projection: GeoProjection, minDistance: number): GeoStreamWrapper {
  return {
    stream(output) {
      let last: [number, number] | undefined;
      let pending: [number, number] | undefined;
      const thin: GeoStream = {
        point(x, y) {
          if (last && Math.hypot(x - last[0], y - last[1]) < minDistance) {
            pending = [x, y];
            return;
          }
          output.point(x, y);
          last = [x, y];
          pending = undefined;
        },
        lineStart() {
          last = pending = undefined;
          output.lineStart();
        },
        // A line keeps its last point, so rings still meet where they started.
        lineEnd() {
          if (pending) output.point(pending[0], pending[1]);
          output.lineEnd();
        },
        polygonStart: () => output.polygonStart(),
        polygonEnd: () => output.polygonEnd(),
        sphere: () => output.sphere?.(),
      };
      return projection.stream(thin);
    },
  };
}

function paths(projection: GeoProjection, minDistance = 1.5): (object: Parameters<ReturnType<typeof geoPath>>[0]) => string {
  const path = geoPath(thinned(projection, minDistance)).digits(1);
  return (object) => path(object) ?? "";
}

// Maps are drawn once per distinct domain and size: thousands of pages share a few domains.
const drawn = new Map<string, string | undefined>();

function memo(key: string, draw: () => string | undefined): string | undefined {
  if (!drawn.has(key)) drawn.set(key, draw());
  return drawn.get(key);
}

/** The detail page's map: the area on a map centred on it, or the whole globe; undefined when neither is known. */
export function domainMapSvg(domain: MapDomain, label: string, width = 640, height = 360): string | undefined {
  const body = memo(`detail ${width}x${height} ${domain.kind} ${JSON.stringify(domain.bounds)} ${domain.grid}`, () => domainMapBody(domain, width, height));
  return body === undefined ? undefined : svg(width, height, label, body, "domain-map");
}

function domainMapBody(domain: MapDomain, width: number, height: number): string | undefined {
  const land = worldLand();
  if (domain.kind === "limited-area" && domain.bounds) {
    const area = areaPolygon(domain.bounds);
    const [lon, lat] = areaCentre(domain.bounds);
    const projection = geoAzimuthalEqualArea()
      .rotate([-lon, -lat])
      .fitExtent(
        [
          [12, 12],
          [width - 12, height - 12],
        ],
        areaPolygon(contextBounds(domain.bounds)),
      );
    projection.clipExtent([
      [0, 0],
      [width, height],
    ]);
    const d = paths(projection);
    const body =
      `<rect class="ocean" width="${width}" height="${height}"/>` +
      `<path class="graticule" d="${d(geoGraticule().step([10, 10])())}"/>` +
      `<path class="land" d="${d(land)}"/>` +
      `<path class="domain" d="${d(area)}"/>`;
    return body;
  }
  if (domain.kind === "global") {
    const projection = geoNaturalEarth1().fitExtent(
      [
        [4, 4],
        [width - 4, height - 4],
      ],
      { type: "Sphere" },
    );
    const d = paths(projection);
    const sample = domain.grid === undefined ? undefined : gridSample(domain.grid);
    // Each point a zero-length stroke with round caps: a dot, for a dozen bytes.
    const dots = sample
      ? `<path class="grid-points" d="${sample.points
          .map((p) => projection(p))
          .filter((p) => p !== null)
          .map(([x, y]) => `M${x.toFixed(1)},${y.toFixed(1)}h0`)
          .join("")}"/>`
      : "";
    const body =
      `<path class="domain global" d="${d({ type: "Sphere" })}"/>` +
      `<path class="graticule" d="${d(geoGraticule().step([30, 30])())}"/>` +
      `<path class="land" d="${d(land)}"/>` +
      dots +
      `<path class="outline" d="${d({ type: "Sphere" })}"/>`;
    return body;
  }
  return undefined;
}

// A global map is the same for every model on one grid: one file per grid that pages show as an image, instead
// of 47 KB of paths inlined into each of thousands of pages. Its colours are the stylesheet's, written in.
const globalMapStyle =
  ".graticule{fill:none;stroke:#cdd6df;stroke-width:0.5}.land{fill:#c3ccd6;stroke:#aab5c0;stroke-width:0.4}" +
  ".domain.global{fill:#eef3f8;stroke:none}.outline{fill:none;stroke:#8c98a5}" +
  ".grid-points{fill:none;stroke:#d9480f;stroke-width:2.4;stroke-linecap:round;stroke-opacity:0.75}";

/** Site path of the global map of `grid` (undefined: the globe without grid points). */
export function globalMapPath(grid: string | undefined): string {
  return `/maps/global/${globalMapName(grid)}.svg`;
}

/** The file name part of a global map: the grid name in lowercase, "/" as "x"; "globe" without a grid. */
export function globalMapName(grid: string | undefined): string {
  return grid === undefined
    ? "globe"
    : grid
        .toLowerCase()
        .replace(/\//g, "x")
        .replace(/[^a-z0-9.x-]/g, "-");
}

/** The global map of `grid` as a standalone SVG file. */
export function globalMapFile(grid: string | undefined, width = 640, height = 360): string {
  const body = domainMapBody({ kind: "global", grid }, width, height) ?? "";
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><style>${globalMapStyle}</style>${body}</svg>\n`;
}

const small = { width: 96, height: 50 };
const smallProjection = () =>
  geoNaturalEarth1().fitExtent(
    [
      [1, 1],
      [small.width - 1, small.height - 1],
    ],
    { type: "Sphere" },
  );

/**
 * The world behind every catalog row's map, as one SVG file the stylesheet shows under each (a `<use>` of a
 * shared symbol costs the browser a copy of the coastlines per row: seconds to show or hide 10,000 rows).
 */
export function worldSvg(): string {
  const d = paths(smallProjection(), 0.8);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${small.width} ${small.height}"><path d="${d({ type: "Sphere" })}" fill="#f1f5f9" stroke="#9aa7b4" stroke-width="0.6"/><path d="${d(worldLand())}" fill="#c3ccd6"/></svg>\n`;
}

/** A catalog row's map: the domain over the shared world; a limited area too small to see becomes a dot. */
export function smallDomainMapSvg(domain: MapDomain, label: string): string {
  const mark = memo(`small ${domain.kind} ${JSON.stringify(domain.bounds)}`, () => smallMark(domain)) ?? "";
  return svg(small.width, small.height, label, mark, `small-map${domain.kind ? "" : " unknown"}`);
}

function smallMark(domain: MapDomain): string {
  let mark = "";
  if (domain.kind === "global") mark = `<path class="domain global" d="${paths(smallProjection())({ type: "Sphere" })}"/>`;
  if (domain.kind === "limited-area" && domain.bounds) {
    const projection = smallProjection();
    const area = areaPolygon(domain.bounds);
    const [[x0, y0], [x1, y1]] = geoPath(projection).bounds(area);
    if (x1 - x0 < 4 && y1 - y0 < 4) {
      const [x, y] = projection(areaCentre(domain.bounds)) ?? [0, 0];
      mark = `<circle class="domain" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5"/>`;
    } else mark = `<path class="domain" d="${paths(projection)(area)}"/>`;
  }
  return mark;
}
