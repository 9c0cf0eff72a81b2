// compare-runs on synthetic traces (no torch needed): the metrics, tolerance overrides, and refusals.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareValues, measurePairs, verdictOf } from "../../tooling/traces/metrics.ts";
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

  it("finds exactly the maxima that dividing every element finds, in one pass over the pairs", () => {
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const special = [0, -0, 1e-300, NaN, Infinity, -Infinity];
    const pairs = Array.from({ length: 200 }, (_, q) => {
      const n = 1 + ((q * 37) % 300);
      const a = Float64Array.from({ length: n }, (_, i) =>
        q % 7 === 0 && i % 11 === 0 ? special[i % special.length]! : random() * 10 ** Math.round(random() * 6),
      );
      const b = a.map((x, i) => (q % 5 === 0 && i % 13 === 0 ? special[(i + q) % special.length]! : x * (1 + random() * 1e-6) + random() * 1e-9 * (q % 3)));
      return [a, b] as const;
    });
    for (const tolerance of [float32, { ...float32, atol: 0 }]) {
      const measured = measurePairs(pairs, tolerance);
      pairs.forEach(([a, b], q) => {
        // The definitions, plainly: every finite pair's error divided by its scale.
        const finite = [...a.keys()].filter((i) => Number.isFinite(a[i]!) && Number.isFinite(b[i]!));
        const rms = finite.length ? Math.sqrt(finite.reduce((sum, i) => sum + a[i]! * a[i]!, 0) / finite.length) : 0;
        let maxRel = 0;
        let tail = 0;
        for (const i of finite) {
          const d = Math.abs(b[i]! - a[i]!);
          const rel = d / Math.max(Math.abs(a[i]!), tolerance.atol);
          if (rel > maxRel) maxRel = rel;
          if (d === 0) continue;
          const scale = Math.max(Math.abs(a[i]!), rms);
          const e = scale > 0 ? d / scale : Infinity;
          if (e > tail) tail = e;
        }
        expect(measured[q]!.tail, `pair ${q}`).toBe(tail);
        if (finite.length > 0) expect(measured[q]!.metrics.maxRel, `pair ${q}`).toBe(maxRel);
      });
    }
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
