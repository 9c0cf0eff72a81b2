// Natural Earth's land at 1:110 million, from the world-atlas package (public domain), read once per build.
// Maps are drawn at build time from it; the site fetches no tiles and no map data.
import type { FeatureCollection, MultiPolygon, Polygon } from "geojson";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import land110 from "world-atlas/land-110m.json" with { type: "json" };

type Land = FeatureCollection<Polygon | MultiPolygon>;
let cached: Land | undefined;

export function worldLand(): Land {
  const topology = land110 as unknown as Topology<{ land: GeometryCollection }>;
  cached ??= feature(topology, topology.objects.land) as Land;
  return cached;
}
