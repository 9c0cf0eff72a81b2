// compare-runs on synthetic traces (no torch needed): the metrics, tolerance overrides, and refusals.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareValues, verdictOf } from "../../tooling/traces/metrics.ts";
import { profiles } from "../../tooling/traces/tolerance.ts";
import { writeSyntheticTrace } from "../../bench/synthetic-trace.ts";
import { readJson, runCli, tempDir } from "../support/helpers.ts";

const float32 = profiles.float32!;

describe("metrics", () => {
  it("measures absolute, relative and L2 errors against the reference", () => {
    const m = compareValues(Float64Array.from([1, 2, 4]), Float64Array.from([1, 2.5, 4]), float32);
    expect(m).toMatchObject({ count: 3, maxAbs: 0.5, meanAbs: 0.5 / 3, maxRel: 0.25, outsideShare: 1 / 3, nanMismatches: 0, infMismatches: 0 });
    expect(m.relL2).toBeCloseTo(0.5 / Math.sqrt(21), 12);
    expect(verdictOf(m)).toBe("divergent");
  });

  it("counts NaN and Inf mismatches apart from numbers", () => {
    const m = compareValues(Float64Array.from([1, NaN, Infinity, NaN]), Float64Array.from([NaN, NaN, 5, NaN]), float32);
    expect(m).toMatchObject({ count: 2, maxAbs: null, nanMismatches: 1, infMismatches: 1, outsideShare: 1 });
  });

  it("tells equivalent from within tolerance", () => {
    expect(verdictOf(compareValues(Float64Array.from([1, 2]), Float64Array.from([1, 2]), float32))).toBe("equivalent");
    expect(verdictOf(compareValues(Float64Array.from([1, 2]), Float64Array.from([1, 2 + 1e-7]), float32))).toBe("within-tolerance");
  });
});

describe("compare-runs command", () => {
  const shape = { modules: 20, numel: 10_000, samples: 256, finalNumel: 1000 };

  it("applies --rtol/--atol over the profile", async () => {
    const dir = await tempDir();
    await writeSyntheticTrace(join(dir, "a"), { ...shape, noise: 0, seed: 1 });
    await writeSyntheticTrace(join(dir, "b"), { ...shape, noise: 1e-3, seed: 2 });
    const strict = await runCli(["compare-runs", join(dir, "a"), join(dir, "b"), "--out", join(dir, "s.json")]);
    expect(strict.exitCode).toBe(1);
    expect((await readJson(join(dir, "s.json"))).verdict).toBe("divergent");
    const loose = await runCli(["compare-runs", join(dir, "a"), join(dir, "b"), "--atol", "0.01", "--out", join(dir, "l.json")]);
    expect(loose.exitCode, loose.stderr).toBe(0);
    const result = await readJson(join(dir, "l.json"));
    expect(result).toMatchObject({ verdict: "within-tolerance", profile: { name: "custom", rtol: 1.3e-6, atol: 0.01 } });
    expect(result.modules).toHaveLength(20);
  });

  it("refuses a folder that is not a trace, and a bad tolerance", async () => {
    const dir = await tempDir();
    const missing = await runCli(["compare-runs", dir, dir]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/is not a trace folder: .*index\.json: cannot read \(ENOENT\)/);
    await writeSyntheticTrace(join(dir, "a"), { ...shape, noise: 0, seed: 1 });
    const bad = await runCli(["compare-runs", join(dir, "a"), join(dir, "a"), "--rtol=-1"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('registry compare-runs: --rtol must be a non-negative number, got "-1"');
  });
});
