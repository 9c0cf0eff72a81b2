// Grid names as checkpoints and FIAB's stores write them.
import { describe, expect, it } from "vitest";
import { gridKindWords, gridResolutionKm, parseGridName } from "../../src/geo/grid-names.ts";

describe("grid names", () => {
  it("reads octahedral grids with their point count (o48 has the 10,944 points of the real O48 fixtures)", () => {
    expect(parseGridName("o48")).toMatchObject({ kind: "octahedral", gaussianNumber: 48, global: true, points: 10_944 });
    expect(parseGridName("O96")?.points).toBe(40_320);
    expect(parseGridName("O1280")?.points).toBe(6_599_680);
  });

  it("reads reduced and regular Gaussian grids, in either case", () => {
    expect(parseGridName("N320")).toMatchObject({ kind: "reduced-gaussian", gaussianNumber: 320, global: true });
    // Classic reduced grids need a table; the registry knows the one its models use (N320, 542,080 points).
    expect(parseGridName("n320")?.points).toBe(542_080);
    expect(parseGridName("N640")?.points).toBeUndefined();
    expect(parseGridName("F80")).toMatchObject({ kind: "regular-gaussian", points: 8 * 80 * 80 });
  });

  it("reads regular latitude/longitude grids, which cover only the area they are cut to", () => {
    expect(parseGridName("0.5/0.5")).toMatchObject({ kind: "regular-latlon", latitudeStep: 0.5, longitudeStep: 0.5, global: false });
    expect(parseGridName("0.25")).toMatchObject({ latitudeStep: 0.25, longitudeStep: 0.25 });
    expect(parseGridName("0.1/0.2")).toMatchObject({ latitudeStep: 0.1, longitudeStep: 0.2 });
  });

  it("gives approximate spacings people quote (o96 about 100 km, n320 about 31 km, o1280 about 8 km)", () => {
    expect(gridResolutionKm("o96")).toBe(104.2);
    expect(gridResolutionKm("N320")).toBe(31.3);
    expect(gridResolutionKm("o1280")).toBe(7.8);
    expect(gridResolutionKm("0.5/0.5")).toBe(55.6);
    expect(gridKindWords("o96")).toBe("octahedral reduced Gaussian");
  });

  it("knows nothing of names it cannot read", () => {
    for (const name of ["checkpoint:source0", "o0", "x96", "", "0/0", "-1/2", "O99999999"]) expect(parseGridName(name), name).toBeUndefined();
    expect(gridResolutionKm("lambert")).toBeUndefined();
  });
});
