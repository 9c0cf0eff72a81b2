// compare-runs' core: align two traces of the same checkpoint and input module by module, measure the
// divergence of every output, find the first diverging module and what each module adds.
import { randomUUID } from "node:crypto";
import type { ComparisonResult, ComparisonVerdict } from "../../src/contract/records/comparison.ts";
import type { TraceIndex } from "../../src/contract/records/trace.ts";
import { platformKeyOf } from "../../src/platform/platform-key.ts";
import { toolFor } from "../repo.ts";
import { allowedRelL2, budgetConstants, budgetVerdict } from "./budget.ts";
import { measurePairs, verdictOf, type PairMeasure } from "./metrics.ts";
import { describePrecision, runPrecision, type RunPrecision } from "./precision.ts";
import type { Trace } from "./read-trace.ts";
import type { Tolerance } from "./tolerance.ts";
import { RegistryError } from "../../src/errors.ts";

export class IncomparableTracesError extends RegistryError {}

type ModuleCall = TraceIndex["modules"][number];

function side(index: TraceIndex): ComparisonResult["reference"] {
  const env = index.environment;
  const device = index.input.device.replace(/:\d+$/, "");
  const key = platformKeyOf({ os: String(env.os ?? ""), arch: String(env.arch ?? ""), cudaAvailable: device === "cuda", mpsAvailable: device === "mps" });
  return {
    runId: index.runId,
    platformKey: key,
    dtype: index.input.dtype,
    device: index.input.device,
    ...(typeof env.torch === "string" ? { torch: env.torch } : {}),
    ...(typeof env.accelerator === "string" ? { accelerator: env.accelerator } : {}),
  };
}

/** "name#k@step": the k-th call of a module within a step, so repeated calls align one to one. */
function keyed(modules: readonly ModuleCall[]): Map<string, ModuleCall> {
  const seen = new Map<string, number>();
  const out = new Map<string, ModuleCall>();
  for (const m of modules) {
    const id = `${m.name}@${m.step}`;
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    out.set(`${m.name}#${k}@${m.step}`, m);
  }
  return out;
}

function checkComparable(a: TraceIndex, b: TraceIndex): void {
  if (a.checkpoint.sha256 !== b.checkpoint.sha256) {
    throw new IncomparableTracesError(
      `the traces are of different checkpoints: A ${a.checkpoint.checkpointId ?? ""} sha256 ${a.checkpoint.sha256}, B ${b.checkpoint.checkpointId ?? ""} sha256 ${b.checkpoint.sha256}`.replace(
        /  +/g,
        " ",
      ),
    );
  }
  if (a.input.sha256 !== b.input.sha256 || JSON.stringify(a.input.tensors) !== JSON.stringify(b.input.tensors) || a.steps !== b.steps) {
    throw new IncomparableTracesError(
      `the traces have different inputs: A seed ${a.input.seed} ${JSON.stringify(a.input.tensors.map((t) => t.shape))} x${a.steps} steps (${a.input.sha256.slice(0, 12)}), B seed ${b.input.seed} ${JSON.stringify(b.input.tensors.map((t) => t.shape))} x${b.steps} steps (${b.input.sha256.slice(0, 12)})`,
    );
  } // Final outputs are whole, or sampled at the same positions when both runs kept the same number.
  for (const [i, fa] of a.finalOutputs.entries()) {
    const fb = b.finalOutputs[i];
    if (fb && fa.values.count !== fb.values.count) {
      throw new IncomparableTracesError(
        `final output "${fa.name}" has ${fa.values.count} values in A and ${fb.values.count} in B (of ${fa.shape.reduce((x, y) => x * y, 1)}): make both traces with the same log-run --final-samples`,
      );
    }
  }
}

/**
 * How outputs are judged. "precision" (the default): each output's relative L2 error against the budget the two
 * runs' precision allows given the error its input already carried (budget.ts). "elementwise": every sampled
 * element against rtol/atol, torch.testing.assert_close's test, which fails reduced precision near zero.
 */
export type Judgement = "precision" | "elementwise";

type ModuleResult = ComparisonResult["modules"][number];

function reasonOf(m: { metrics: ModuleResult["metrics"]; allowedRelL2?: number | undefined }): string {
  if (m.metrics.nanMismatches > 0) return `${m.metrics.nanMismatches} NaN where the reference has numbers (or the reverse)`;
  if (m.metrics.infMismatches > 0) return `${m.metrics.infMismatches} Inf mismatches`;
  if (m.allowedRelL2 !== undefined) {
    const rel = m.metrics.relL2 ?? Infinity;
    return rel > m.allowedRelL2
      ? `relative L2 error ${rel.toExponential(2)}, ${(rel / m.allowedRelL2).toFixed(1)}x what the precision allows (${m.allowedRelL2.toExponential(2)})`
      : `an element off by more than ${budgetConstants.tail}x the allowed relative error (of its value, or of the reference's RMS where smaller; max abs error ${m.metrics.maxAbs?.toExponential(2)}), though the relative L2 ${rel.toExponential(2)} is within ${m.allowedRelL2.toExponential(2)}`;
  }
  return `${(m.metrics.outsideShare * 100).toFixed(1)}% of sampled elements outside tolerance, max abs error ${m.metrics.maxAbs?.toExponential(2)}`;
}

/** The outputs both calls recorded, paired in order (as many as the shorter list holds). */
function zip<T>(a: readonly T[], b: readonly T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (const [i, x] of a.entries()) {
    const y = b[i];
    if (y === undefined) break;
    pairs.push([x, y]);
  }
  return pairs;
}

/** The reduction length a module's rounding error grows with: the last dimension of what it received. */
function reductionLength(m: ModuleCall, o: number): number {
  const shape = m.inputs[0]?.shape ?? m.outputs[o]?.shape ?? [];
  return shape.at(-1) ?? 1;
}

function precisionRecord(p: RunPrecision): NonNullable<ComparisonResult["budget"]>["reference"] {
  return { dtype: p.dtype, storageUnit: p.storageUnit, matmul: p.matmul, matmulUnit: p.matmulUnit, accumulationUnit: p.accumulationUnit, source: p.source };
}

export function compareTraces(a: Trace, b: Trace, tolerance: Tolerance, judgement: Judgement = "precision"): ComparisonResult {
  checkComparable(a.index, b.index);
  const pa = runPrecision(a.index);
  const pb = runPrecision(b.index);
  const byPrecision = judgement === "precision";
  const ka = keyed(a.index.modules);
  const kb = keyed(b.index.modules);
  const aligned = [...ka].flatMap(([key, ma]) => {
    const mb = kb.get(key);
    return mb ? [[ma, mb] as const] : [];
  });
  // Every pair of samples first, measured in one call (metrics.ts says why), then judged in order.
  const pairs: Array<readonly [Float64Array, Float64Array]> = [];
  for (const [ma, mb] of aligned) {
    if (ma.inputs[0] && mb.inputs[0]) pairs.push([a.values(ma.inputs[0].sample), b.values(mb.inputs[0].sample)]);
    for (const [oa, ob] of zip(ma.outputs, mb.outputs)) pairs.push([a.values(oa.sample), b.values(ob.sample)]);
  }
  for (const [i, fa] of a.index.finalOutputs.entries()) {
    const fb = b.index.finalOutputs[i];
    pairs.push(fb ? [a.values(fa.values), b.values(fb.values)] : [new Float64Array(), new Float64Array()]);
  }
  const measured = measurePairs(pairs, tolerance);
  let next = 0;
  const take = (): PairMeasure => measured[next++]!;
  const modules: ModuleResult[] = [];
  // The last module output of each step: what the step's final output inherits.
  const lastOfStep = new Map<number, number>();
  let worstSoFar = 0;
  const inputReasons = new Map<number, string>();
  for (const [ma, mb] of aligned) {
    const inputError = ma.inputs[0] && mb.inputs[0] ? take().metrics.relL2 : null;
    for (const [o, [oa, ob]] of zip(ma.outputs, mb.outputs).entries()) {
      const { metrics, tail } = take();
      metrics.nanMismatches = Math.max(metrics.nanMismatches, Math.abs(oa.stats.nan - ob.stats.nan));
      metrics.infMismatches = Math.max(metrics.infMismatches, Math.abs(oa.stats.inf - ob.stats.inf));
      const addedError = metrics.relL2 !== null && inputError !== null ? metrics.relL2 - inputError : null;
      if (byPrecision) {
        const allowed = allowedRelL2(pa, pb, ma.type, inputError !== null && Number.isFinite(inputError) ? inputError : null, reductionLength(ma, o));
        let verdict = budgetVerdict(metrics, allowed, tail);
        // What a module inherits must itself be explained: by the worst error of the module outputs before it,
        // as if one unrecorded operation (a functional call between modules) had produced its input.
        const inputAllowed = allowedRelL2(pa, pb, "", worstSoFar, reductionLength(ma, o));
        if (o === 0 && inputError !== null && !(inputError <= inputAllowed)) {
          verdict = "divergent";
          inputReasons.set(
            ma.index,
            `its input already differs by relative L2 ${inputError.toExponential(2)}, more than the modules before it explain (${inputAllowed.toExponential(2)} allowed): an operation outside the recorded modules`,
          );
        }
        modules.push({ index: ma.index, name: ma.name, type: ma.type, step: ma.step, output: o, verdict, metrics, addedError, allowedRelL2: allowed });
      } else {
        modules.push({ index: ma.index, name: ma.name, type: ma.type, step: ma.step, output: o, verdict: verdictOf(metrics), metrics, addedError });
      }
      if (metrics.relL2 !== null && Number.isFinite(metrics.relL2)) {
        lastOfStep.set(ma.step, metrics.relL2);
        worstSoFar = Math.max(worstSoFar, metrics.relL2);
      }
    }
  }
  const unaligned = [...ka.keys()]
    .filter((k) => !kb.has(k))
    .map((k) => `only in A: ${k}`)
    .concat([...kb.keys()].filter((k) => !ka.has(k)).map((k) => `only in B: ${k}`));
  const finalOutputs = a.index.finalOutputs.map((fa, i) => {
    const { metrics, tail } = take();
    if (!byPrecision) return { name: fa.name, verdict: verdictOf(metrics), metrics };
    // A step's output is judged like a module whose input is the step's last recorded module output.
    const allowed = allowedRelL2(pa, pb, "", lastOfStep.get(i) ?? null, fa.shape.at(-1) ?? 1);
    return { name: fa.name, verdict: budgetVerdict(metrics, allowed, tail), metrics, allowedRelL2: allowed };
  });
  const first = modules.find((m) => m.verdict === "divergent");
  const firstFinal = finalOutputs.find((f) => f.verdict === "divergent");
  const all: ComparisonVerdict[] = [...modules.map((m) => m.verdict), ...finalOutputs.map((f) => f.verdict)];
  const verdict: ComparisonVerdict = all.includes("divergent") ? "divergent" : all.every((v) => v === "equivalent") ? "equivalent" : "within-tolerance";
  const reason = first
    ? first.metrics.nanMismatches || first.metrics.infMismatches
      ? reasonOf(first)
      : (inputReasons.get(first.index) ?? reasonOf(first))
    : "";
  const judged = byPrecision ? `the precision of the runs (A ${describePrecision(pa)}, B ${describePrecision(pb)})` : `the ${tolerance.name} profile`;
  let summary: string;
  if (verdict === "divergent")
    summary = `divergent ${byPrecision ? "beyond" : "under"} ${judged}; first at ${first?.name ?? firstFinal?.name ?? "the final output"}: ${reason || (firstFinal ? reasonOf(firstFinal) : "final outputs differ")}`;
  else if (byPrecision) {
    const worst = Math.max(0, ...modules.map((m) => (m.metrics.relL2 ?? 0) / (m.allowedRelL2 || Infinity)));
    summary = `${verdict === "equivalent" ? "equivalent" : "within-tolerance of"} ${judged} across ${modules.length} module outputs${verdict === "equivalent" ? "" : `; the worst used ${(worst * 100).toFixed(0)}% of its error budget`}`;
  } else summary = `${verdict} under the ${tolerance.name} profile (rtol ${tolerance.rtol}, atol ${tolerance.atol}) across ${modules.length} module outputs`;
  return {
    kind: "compare-runs",
    resultVersion: 1,
    runId: randomUUID(),
    ...((b.index.checkpoint.checkpointId ?? a.index.checkpoint.checkpointId)
      ? { checkpointId: (b.index.checkpoint.checkpointId ?? a.index.checkpoint.checkpointId)! }
      : {}),
    checkpointSha256: a.index.checkpoint.sha256,
    inputSha256: a.index.input.sha256,
    reference: side(a.index),
    candidate: side(b.index),
    profile: tolerance,
    ...(byPrecision ? { budget: { reference: precisionRecord(pa), candidate: precisionRecord(pb), constants: { ...budgetConstants } } } : {}),
    verdict,
    summary,
    ...(first ? { firstDivergent: { index: first.index, name: first.name, reason } } : {}),
    modules,
    unaligned,
    finalOutputs,
    tool: toolFor("compare-runs"),
    date: new Date().toISOString(),
  };
}
