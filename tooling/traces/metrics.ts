// Element-wise comparison of a reference (a) and a candidate (b), NaN and Inf counted apart from numbers.
import type { ComparisonMetrics, ComparisonVerdict } from "../../src/contract/records/comparison.ts";
import type { Tolerance } from "./tolerance.ts";

/** One pair's metrics, and its tail error: the largest element error in units of that element's own size, or of the reference's RMS where the element is smaller (budget.ts judges it). */
export interface PairMeasure {
  metrics: ComparisonMetrics;
  tail: number;
}

const fields = 12; // count, maxAbs, sumAbs, maxRel, outside, nan, inf, diffSq, aSq, bSq, dot, tail
/** 1 + 4 units in the last place: more than the rounding of two products. */
const margin = 1 + 2 ** -50;

/**
 * Every pair's sums into `acc` (`fields` per pair), in one call: plain numbers only, no allocation, and one
 * function invocation, so that V8 optimises its loops while they run (on-stack replacement) instead of running
 * a thousand short samples' calls in the interpreter first (half the time of a cold command). Per pair, two
 * passes: the reference's sum of squares first (its RMS scales the tail error near zero), then everything else;
 * a maximum of ratios is kept by multiplying, dividing only when it may grow.
 */
function accumulate(as: readonly Float64Array[], bs: readonly Float64Array[], atol: number, rtol: number, acc: Float64Array): void {
  for (let q = 0; q < as.length; q++) {
    const a = as[q]!;
    const b = bs[q]!;
    const n = Math.min(a.length, b.length);
    let finiteCount = 0,
      aSq = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      // x - x is 0 for every finite number and NaN for NaN and ±Inf: one test for the common case.
      if (x - x === 0 && y - y === 0) {
        finiteCount++;
        aSq += x * x;
      }
    }
    // The tail: rounding is relative to each value, and near zero the reference's RMS sets the scale.
    const rms = finiteCount ? Math.sqrt(aSq / finiteCount) : 0;
    let count = 0,
      maxAbs = 0,
      sumAbs = 0,
      maxRel = 0,
      outside = 0,
      nan = 0,
      inf = 0,
      diffSq = 0,
      bSq = 0,
      dot = 0,
      tail = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (finiteCount !== n && (x - x !== 0 || y - y !== 0)) {
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
      diffSq += d * d;
      bSq += y * y;
      dot += x * y;
      if (d > atol + rtol * ax) outside++;
      if (d === 0) continue;
      if (d > maxAbs) maxAbs = d;
      // A ratio is computed only where it may pass the maximum: the test multiplies, with a margin wider than the
      // products' rounding, so that the maxima are exactly those of dividing every element (a zero denominator
      // gives an infinite ratio, as a division would).
      const den = ax > atol ? ax : atol;
      if (d * margin > maxRel * den) {
        const rel = den > 0 ? d / den : Infinity;
        if (rel > maxRel) maxRel = rel;
      }
      const scale = ax > rms ? ax : rms;
      if (d * margin > tail * scale) {
        const e = scale > 0 ? d / scale : Infinity;
        if (e > tail) tail = e;
      }
    }
    const base = q * fields;
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
}

/** The metrics and tail error of each pair, all sums made first (see accumulate), the records after. */
export function measurePairs(pairs: ReadonlyArray<readonly [Float64Array, Float64Array]>, tolerance: Tolerance): PairMeasure[] {
  const acc = new Float64Array(pairs.length * fields);
  accumulate(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
    tolerance.atol,
    tolerance.rtol,
    acc,
  );
  return pairs.map((_, q) => {
    const at = (field: number) => acc[q * fields + field]!;
    const count = at(0),
      aSq = at(8),
      bSq = at(9),
      dot = at(10);
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
