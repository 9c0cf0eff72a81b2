// The GPU memory estimate: its rule on known grids, a lower bound where grid points are not published, and the
// catalog's entries holding exactly what the rule gives for them (so a stored estimate cannot drift from it).
import { describe, expect, it } from "vitest";
import { datasetGridPoints, estimateGpuMemory } from "../../src/platform/gpu-memory.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { catalogEntriesDir } from "../support/catalog-entries.ts";

describe("the GPU memory rule", () => {
  it("counts grid points from the grid's formula, the N320 table, or a lat/lon grid cut to its area", () => {
    expect(datasetGridPoints({ name: "data", grid: "o48" })).toBe(10_944);
    expect(datasetGridPoints({ name: "data", grid: "n320" })).toBe(542_080);
    expect(datasetGridPoints({ name: "europe", grid: "0.5/0.5", area: "70/-20/20/30" })).toBe(101 * 101);
    expect(datasetGridPoints({ name: "lam", grid: "0.025/0.025" })).toBeUndefined();
    expect(datasetGridPoints({ name: "given", grid: "n320", gridPoints: 7 })).toBe(7);
  });

  it("file size + 32 KiB per grid point + 512 MiB, rounded up to 256 MiB; within 8 % of FIAB's 2,000 MiB for BRIS Europe", () => {
    const europe = estimateGpuMemory(1_028_464_312, [
      { name: "source0", grid: "0.5/0.5", area: "70/-20/20/30" },
      { name: "source1", grid: "o48" },
    ])!;
    expect(europe).toMatchObject({ mib: 2304, atLeast: false });
    const unrounded = Math.ceil(1_028_464_312 / 2 ** 20) + Math.ceil((21_145 * 32) / 1024) + 512;
    expect(unrounded).toBe(2154);
    expect(unrounded / 2000).toBeLessThan(1.08);
    expect(estimateGpuMemory(993_937_386, [{ name: "data", grid: "n320" }])).toMatchObject({ mib: 18_432, atLeast: false });
  });

  it("is a lower bound, and says so, when a dataset's grid points or every grid is unknown", () => {
    const nested = estimateGpuMemory(1_449_403_913, [{ name: "global", grid: "n320" }, { name: "lam_0" }])!;
    expect(nested).toMatchObject({ mib: 18_944, atLeast: true });
    expect(nested.rule).toContain("the grid points of lam_0 are not known, so this is a lower bound");
    expect(estimateGpuMemory(1_311_272_793, [])).toMatchObject({ mib: 1792, atLeast: true });
    expect(estimateGpuMemory(undefined, [])).toBeUndefined();
  });

  it("every estimate in the catalog's entries is what the rule gives for the entry's own facts", async () => {
    const entries = await loadValidEntries(catalogEntriesDir);
    const estimated = entries.filter((e) => e.entry.infrastructure?.gpuMemory?.kind === "estimated");
    expect(estimated.length).toBeGreaterThanOrEqual(10);
    for (const { id, entry } of estimated) {
      const again = estimateGpuMemory(entry.source.sizeBytes, entry.inputs?.datasets ?? [])!;
      const stored = entry.infrastructure!.gpuMemory!;
      expect({ mib: stored.mib, atLeast: stored.atLeast ?? false, rule: stored.rule }, id).toEqual(again);
    }
  });
});
