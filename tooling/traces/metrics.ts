// Element-wise comparison of a reference (a) and a candidate (b), NaN and Inf counted apart from numbers.
import type { ComparisonMetrics, ComparisonVerdict } from "../../src/contract/records/comparison.ts";
import type { Tolerance } from "./tolerance.ts";

/** One pair's metrics, and its tail error: the largest element error in units of that element's own size, or of the reference's RMS where the element is smaller (budget.ts judges it). */
export interface PairMeasure {
  metrics: ComparisonMetrics;
  tail: number;
}

const fields = 12; // count, maxAbs, sumAbs, maxRel, outside, nan, inf, diffSq, aSq, bSq, dot, tail

/**
 * One pair's sums into `acc` from `base`: plain numbers only, no allocation, so that V8 optimises it early (a
 * trace holds a thousand short samples, and the first ones ran in the interpreter when each built its result).
 */
function accumulate(a: Float64Array, b: Float64Array, atol: number, rtol: number, acc: Float64Array, base: number): void {
  const n = Math.min(a.length, b.length);
  let count = 0, maxAbs = 0, sumAbs = 0, maxRel = 0, outside = 0, nan = 0, inf = 0, diffSq = 0, aSq = 0, bSq = 0, dot = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    // x - x is 0 for every finite number and NaN for NaN and ±Inf: one test for the common case.
    if (x - x !== 0 || y - y !== 0) {
      const xNan = x !== x;
      const yNan = y !== y;
      if (xNan || yNan) {
        if (xNan !== yNan) {
          nan++;
          outside++;
        }
      } else if (x !== y) {
        inf++;
        outside++;
      }
      continue;
    }
    const d = Math.abs(y - x);
    const ax = Math.abs(x);
    count++;
    sumAbs += d;
    if (d > maxAbs) maxAbs = d;
    const rel = d / (ax > atol ? ax : atol);
    if (rel > maxRel) maxRel = rel;
    if (d > atol + rtol * ax) outside++;
    diffSq += d * d;
    aSq += x * x;
    bSq += y * y;
    dot += x * y;
  }
  // The tail: rounding is relative to each value, and near zero the reference's RMS sets the scale.
  const rms = count ? Math.sqrt(aSq / count) : 0;
  let tail = 0;
  if (maxAbs > 0) {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x - x !== 0 || y - y !== 0) continue; // a NaN or Inf pair, counted above
      const d = Math.abs(y - x);
      if (d === 0) continue;
      const ax = Math.abs(x);
      const scale = ax > rms ? ax : rms;
      const e = scale > 0 ? d / scale : Infinity;
      if (e > tail) tail = e;
    }
  }
  acc[base] = count;
  acc[base + 1] = maxAbs;
  acc[base + 2] = sumAbs;
  acc[base + 3] = maxRel;
  acc[base + 4] = outside;
  acc[base + 5] = nan;
  acc[base + 6] = inf;
  acc[base + 7] = diffSq;
  acc[base + 8] = aSq;
  acc[base + 9] = bSq;
  acc[base + 10] = dot;
  acc[base + 11] = tail;
}

/** The metrics and tail error of each pair, all sums made first (see accumulate), the records after. */
export function measurePairs(pairs: ReadonlyArray<readonly [Float64Array, Float64Array]>, tolerance: Tolerance): PairMeasure[] {
  const acc = new Float64Array(pairs.length * fields);
  for (let q = 0; q < pairs.length; q++) accumulate(pairs[q]![0], pairs[q]![1], tolerance.atol, tolerance.rtol, acc, q * fields);
  return pairs.map((_, q) => {
    const at = (field: number) => acc[q * fields + field]!;
    const count = at(0), aSq = at(8), bSq = at(9), dot = at(10);
    const compared = count + at(5) + at(6);
    return {
      metrics: {
        count: compared,
        maxAbs: count ? at(1) : null,
        meanAbs: count ? at(2) / count : null,
        maxRel: count ? at(3) : null,
        relL2: count ? Math.sqrt(at(7)) / Math.max(Math.sqrt(aSq), Number.MIN_VALUE) : null,
        cosine: count ? (aSq === 0 && bSq === 0 ? 1 : dot / (Math.sqrt(aSq) * Math.sqrt(bSq) || Number.MIN_VALUE)) : null,
        outsideShare: compared ? at(4) / compared : 0,
        nanMismatches: at(5),
        infMismatches: at(6),
      },
      tail: at(11),
    };
  });
}

export function compareValues(a: Float64Array, b: Float64Array, tolerance: Tolerance): ComparisonMetrics {
  return measurePairs([[a, b]], tolerance)[0]!.metrics;
}

export function verdictOf(m: ComparisonMetrics): ComparisonVerdict {
  if (m.nanMismatches > 0 || m.infMismatches > 0 || m.outsideShare > 0) return "divergent";
  return m.maxAbs === null || m.maxAbs === 0 ? "equivalent" : "within-tolerance";
}

