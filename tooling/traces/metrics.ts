// Element-wise comparison of a reference (a) and a candidate (b), NaN and Inf counted apart from numbers.
import type { ComparisonMetrics, ComparisonVerdict } from "../../src/contract/records/comparison.ts";
import type { Tolerance } from "./tolerance.ts";

export function compareValues(a: Float64Array, b: Float64Array, tolerance: Tolerance): ComparisonMetrics {
  const n = Math.min(a.length, b.length);
  let count = 0, maxAbs = 0, sumAbs = 0, maxRel = 0, outside = 0, nanMismatches = 0, infMismatches = 0;
  let diffSq = 0, aSq = 0, bSq = 0, dot = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xNan = Number.isNaN(x);
    const yNan = Number.isNaN(y);
    if (xNan || yNan) {
      if (xNan !== yNan) {
        nanMismatches++;
        outside++;
      }
      continue;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (x !== y) {
        infMismatches++;
        outside++;
      }
      continue;
    }
    const d = Math.abs(y - x);
    count++;
    sumAbs += d;
    if (d > maxAbs) maxAbs = d;
    const rel = d / Math.max(Math.abs(x), tolerance.atol);
    if (rel > maxRel) maxRel = rel;
    if (d > tolerance.atol + tolerance.rtol * Math.abs(x)) outside++;
    diffSq += d * d;
    aSq += x * x;
    bSq += y * y;
    dot += x * y;
  }
  const compared = count + nanMismatches + infMismatches;
  return {
    count: compared,
    maxAbs: count ? maxAbs : null,
    meanAbs: count ? sumAbs / count : null,
    maxRel: count ? maxRel : null,
    relL2: count ? Math.sqrt(diffSq) / Math.max(Math.sqrt(aSq), Number.MIN_VALUE) : null,
    cosine: count ? (aSq === 0 && bSq === 0 ? 1 : dot / (Math.sqrt(aSq) * Math.sqrt(bSq) || Number.MIN_VALUE)) : null,
    outsideShare: compared ? outside / compared : 0,
    nanMismatches,
    infMismatches,
  };
}

export function verdictOf(m: ComparisonMetrics): ComparisonVerdict {
  if (m.nanMismatches > 0 || m.infMismatches > 0 || m.outsideShare > 0) return "divergent";
  return m.maxAbs === null || m.maxAbs === 0 ? "equivalent" : "within-tolerance";
}

