// The error budget of one module output: how far two runs may honestly differ there given the precision each
// used and the error the module inherited from its input. Constants fitted on real H200 traces (docs/traces.md).
import type { ComparisonMetrics, ComparisonVerdict } from "../../src/contract/records/comparison.ts";
import type { RunPrecision } from "./precision.ts";

/**
 * allowed relative L2 = max(floor u, growth inherited + c1 u + c2 sqrt(n) uAcc), u the sum of both runs'
 * rounding units for the module (storage or matmul/convolution, the coarser), uAcc their accumulation units,
 * n the reduction length (last input dimension). On the H200 traces the worst module used 0.29 (float32),
 * 0.36 (TF32) and 0.34 (bfloat16) of this budget, and its largest element error (relative to the element, or
 * to the RMS for elements below it) stayed under 1.22 budgets against a tail limit of 8: margins of about 3x
 * and 6.5x.
 */
export const budgetConstants = { floor: 4, growth: 2, c1: 4, c2: 2, tail: 8 } as const;

/** The rounding unit that applies to a module: convolutions follow cuDNN's switch, everything else matmul's. */
export function moduleUnit(p: RunPrecision, type: string): number {
  const op = /conv/i.test(type.split(".").pop() ?? "") ? p.convolutionUnit : p.matmulUnit;
  return Math.max(p.storageUnit, op);
}

export function allowedRelL2(a: RunPrecision, b: RunPrecision, type: string, inherited: number | null, n: number): number {
  const { floor, growth, c1, c2 } = budgetConstants;
  const u = moduleUnit(a, type) + moduleUnit(b, type);
  const uAcc = a.accumulationUnit + b.accumulationUnit;
  return Math.max(floor * u, growth * (inherited ?? 0) + c1 * u + c2 * Math.sqrt(Math.max(n, 1)) * uAcc);
}

/** Verdict of one output against its budget: relative L2 over the sample, and no element far in the tail. */
export function budgetVerdict(m: ComparisonMetrics, allowed: number, tail: number): ComparisonVerdict {
  if (m.nanMismatches > 0 || m.infMismatches > 0) return "divergent";
  if (m.maxAbs === null || m.maxAbs === 0) return "equivalent";
  if (m.relL2 === null || !Number.isFinite(m.relL2) || m.relL2 > allowed) return "divergent";
  if (tail > budgetConstants.tail * allowed) return "divergent";
  return "within-tolerance";
}
