// Maps drawn at build time: the area's polygon on the right side of its ring, areas across the antimeridian,
// the same bytes every time, and small maps that stay small.
import { geoArea, geoContains } from "d3-geo";
import { describe, expect, it } from "vitest";
import { parseArea } from "../../src/geo/area.ts";
import { areaPolygon, domainMapSvg, globalMapFile, globalMapPath, smallDomainMapSvg, worldSvg } from "../../src/geo/domain-map.ts";
import { gridSample } from "../../src/geo/grid-points.ts";

describe("domain maps", () => {
  it("makes the area its inside, not the rest of the globe, even across the antimeridian", () => {
    for (const text of ["70/-20/20/30", "-9/32.5/-17.5/36", "10/170/-10/-170", "85/-180/60/180"]) {
      const polygon = areaPolygon(parseArea(text)!);
      expect(geoArea(polygon), text).toBeLessThan(2 * Math.PI);
    }
    const pacific = areaPolygon(parseArea("10/170/-10/-170")!);
    expect(geoContains(pacific, [180, 0])).toBe(true);
    expect(geoContains(pacific, [0, 0])).toBe(false);
  });

  it("draws the same bytes for the same domain, and nothing for an unknown one", () => {
    const europe = { kind: "limited-area" as const, bounds: parseArea("70/-20/20/30")! };
    expect(domainMapSvg(europe, "Europe")).toBe(domainMapSvg({ ...europe }, "Europe"));
    expect(domainMapSvg(europe, "Europe")).toMatch(/^<svg class="domain-map" viewBox="0 0 640 360"[^>]*role="img" aria-label="Europe"><title>Europe<\/title>/);
    expect(domainMapSvg({ kind: undefined }, "x")).toBeUndefined();
    expect(domainMapSvg({ kind: "limited-area" }, "no bounds")).toBeUndefined();
  });

  it("shows a global grid as a sample of its points, octahedral rows thinning towards the poles", () => {
    const o96 = gridSample("o96")!;
    expect(o96.points.length).toBeLessThanOrEqual(1100);
    const northmost = Math.max(...o96.points.map(([, lat]) => lat));
    const row = (lat: number) => o96.points.filter(([, l]) => l === lat).length;
    const equatormost = o96.points.reduce((best, [, lat]) => (Math.abs(lat) < Math.abs(best) ? lat : best), 90);
    expect(row(northmost) * 3).toBeLessThan(row(equatormost));
    expect(gridSample("N320")).toBeUndefined();
    expect(domainMapSvg({ kind: "global", grid: "o96" }, "Global")).toContain('class="grid-points"');
  });

  it("keeps the catalog's small maps small: one world file behind them all, a dot for an area too small to see", () => {
    expect(worldSvg().length).toBeLessThan(16_000);
    expect(worldSvg()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const malawi = smallDomainMapSvg({ kind: "limited-area", bounds: parseArea("-9/32.5/-17.5/36")! }, "Malawi");
    expect(malawi).toContain("<circle");
    expect(malawi.length).toBeLessThan(400);
    expect(smallDomainMapSvg({ kind: undefined }, "not yet known")).toContain('class="small-map unknown"');
  });
});

describe("global maps as shared files", () => {
  it("one standalone SVG per grid, with the stylesheet's colours written in, named after the grid", () => {
    const file = globalMapFile("o48");
    expect(file.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360"')).toBe(true);
    expect(file).toContain('class="grid-points"');
    expect(file).toContain(".land{fill:#c3ccd6");
    expect(globalMapFile(undefined)).not.toContain('class="grid-points" d');
    expect(globalMapPath("o48")).toBe("/maps/global/o48.svg");
    expect(globalMapPath("N320")).toBe("/maps/global/n320.svg");
    expect(globalMapPath("0.25/0.25")).toBe("/maps/global/0.25x0.25.svg");
    expect(globalMapPath(undefined)).toBe("/maps/global/globe.svg");
  });
});
