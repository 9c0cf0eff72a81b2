// The build-phase table of bench/run.ts: concurrent routes are counted once, so no phase exceeds the wall time.
import { describe, expect, it } from "vitest";
import { buildPhases, outsideRoutes } from "../../bench/build-phases.ts";
import { median } from "../../bench/measure.ts";

describe("buildPhases", () => {
  it("gives each kind of route the wall time its routes covered, concurrent ones once", () => {
    // Three checkpoint pages rendered at once from 1.0 s to 2.0 s, then the JSON of one from 2.5 s to 3.0 s.
    const lines: Array<[number, string]> = [
      [2000, "├─ /checkpoints/a/index.html (+1000ms)"],
      [2000, "├─ /checkpoints/b/index.html (+1000ms)"],
      [2000, "├─ /checkpoints/c/index.html (+1.0s)"],
      [3000, "└─ /checkpoints/a.json (+500ms)"],
    ];
    const phases = buildPhases(lines, 4);
    const byName = Object.fromEntries(phases.map((p) => [p.name, p]));
    expect(byName["checkpoint pages (HTML)"]!.routes).toBe(3);
    expect(byName["checkpoint pages (HTML)"]!.seconds).toBeCloseTo(1.001, 3); // one span, the 1 ms of rounding slack
    expect(byName["checkpoint JSON"]!.seconds).toBeCloseTo(0.501, 3);
    expect(byName[outsideRoutes]!.seconds).toBeCloseTo(4 - 1.001 - 0.501, 3);
    expect(phases.reduce((sum, p) => sum + p.seconds, 0)).toBeCloseTo(4, 6);
  });
});

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 1])).toBe(5.5);
    expect(() => median([])).toThrow();
  });
});
