// Areas as north/west/south/east, and whether a dataset is global or limited.
import { describe, expect, it } from "vitest";
import { boundsText, isWholeGlobe, longitudeSpan, parseArea } from "../../src/geo/area.ts";
import { datasetDomain } from "../../src/geo/domain.ts";

describe("areas", () => {
  it("reads BRIS Europe's area from FIAB's store", () => {
    const b = parseArea("70/-20/20/30")!;
    expect(b).toEqual({ north: 70, west: -20, south: 20, east: 30 });
    expect(longitudeSpan(b)).toBe(50);
    expect(boundsText(b)).toBe("70°N to 20°N, 20°W to 30°E");
  });

  it("measures an area across the antimeridian eastwards, and knows the whole globe in both notations", () => {
    expect(longitudeSpan(parseArea("10/170/-10/-170")!)).toBe(20);
    expect(isWholeGlobe(parseArea("90/-180/-90/180")!)).toBe(true);
    expect(isWholeGlobe(parseArea("90/0/-90/360")!)).toBe(true);
    expect(isWholeGlobe(parseArea("90/0/-90/350")!)).toBe(false);
  });

  it("refuses what is not four numbers with north above south", () => {
    for (const text of ["70/-20/20", "a/b/c/d", "20/-20/70/30", "95/0/0/10", "70/-20/20/30/1", ""]) expect(parseArea(text), text).toBeUndefined();
  });
});

describe("dataset domains", () => {
  it("is limited for an area short of the globe, global for a Gaussian grid or a whole-globe area", () => {
    expect(datasetDomain({ grid: "0.5/0.5", area: "70/-20/20/30" })).toBe("limited-area");
    expect(datasetDomain({ grid: "o48" })).toBe("global");
    expect(datasetDomain({ grid: "0.25/0.25", area: "90/0/-90/360" })).toBe("global");
  });

  it("does not guess: a lat/lon grid without area, an unreadable area, or nothing at all", () => {
    expect(datasetDomain({ grid: "0.25/0.25" })).toBeUndefined();
    expect(datasetDomain({ grid: "o48", area: "somewhere" })).toBeUndefined();
    expect(datasetDomain({})).toBeUndefined();
  });
});

describe("number labels", () => {
  it("rounds coordinates read from float arrays to three decimals (about 100 m), dropping trailing zeros", () => {
    expect(boundsText({ north: 72.80300000000001, west: -59.90499999999997, south: 49.5, east: 30.000000000000004 })).toBe(
      "72.803°N to 49.5°N, 59.905°W to 30°E",
    );
    expect(boundsText({ north: 0.0001, west: 179.9999, south: -0.0004, east: -179.9996 })).toBe("0° to 0°, 180°E to 180°W");
  });
});
