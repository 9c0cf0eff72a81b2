// compare-runs' core: align two traces of the same checkpoint and input module by module, measure the
// divergence of every output, find the first diverging module and what each module adds.
import { randomUUID } from "node:crypto";
import type { ComparisonResult, ComparisonVerdict } from "../../src/contract/records/comparison.ts";
import type { TraceIndex } from "../../src/contract/records/trace.ts";
import { platformKey } from "../environment/platform-key.ts";
import { toolFor } from "../repo.ts";
import { compareValues, verdictOf } from "./metrics.ts";
import type { Trace } from "./read-trace.ts";
import type { Tolerance } from "./tolerance.ts";
import { RegistryError } from "../../src/errors.ts";

export class IncomparableTracesError extends RegistryError {}

type ModuleCall = TraceIndex["modules"][number];

function side(index: TraceIndex): ComparisonResult["reference"] {
  const env = index.environment as Record<string, unknown>;
  const device = index.input.device.replace(/:\d+$/, "");
  const key = platformKey({ os: String(env.os ?? ""), arch: String(env.arch ?? ""), cudaAvailable: device === "cuda", mpsAvailable: device === "mps" });
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
    throw new IncomparableTracesError(`the traces are of different checkpoints: A ${a.checkpoint.checkpointId ?? ""} sha256 ${a.checkpoint.sha256}, B ${b.checkpoint.checkpointId ?? ""} sha256 ${b.checkpoint.sha256}`.replace(/  +/g, " "));
  }
  if (a.input.sha256 !== b.input.sha256 || JSON.stringify(a.input.tensors) !== JSON.stringify(b.input.tensors) || a.steps !== b.steps) {
    throw new IncomparableTracesError(`the traces have different inputs: A seed ${a.input.seed} ${JSON.stringify(a.input.tensors.map((t) => t.shape))} x${a.steps} steps (${a.input.sha256.slice(0, 12)}), B seed ${b.input.seed} ${JSON.stringify(b.input.tensors.map((t) => t.shape))} x${b.steps} steps (${b.input.sha256.slice(0, 12)})`);
  }
}

export function compareTraces(a: Trace, b: Trace, tolerance: Tolerance): ComparisonResult {
  checkComparable(a.index, b.index);
  const ka = keyed(a.index.modules);
  const kb = keyed(b.index.modules);
  const modules: ComparisonResult["modules"] = [];
  for (const [key, ma] of ka) {
    const mb = kb.get(key);
    if (!mb) continue;
    const inputError = ma.inputs[0] && mb.inputs[0] ? compareValues(a.values(ma.inputs[0].sample), b.values(mb.inputs[0].sample), tolerance).relL2 : null;
    const outputs = Math.min(ma.outputs.length, mb.outputs.length);
    for (let o = 0; o < outputs; o++) {
      const metrics = compareValues(a.values(ma.outputs[o]!.sample), b.values(mb.outputs[o]!.sample), tolerance);
      metrics.nanMismatches = Math.max(metrics.nanMismatches, Math.abs(ma.outputs[o]!.stats.nan - mb.outputs[o]!.stats.nan));
      metrics.infMismatches = Math.max(metrics.infMismatches, Math.abs(ma.outputs[o]!.stats.inf - mb.outputs[o]!.stats.inf));
      const addedError = metrics.relL2 !== null && inputError !== null ? metrics.relL2 - inputError : null;
      modules.push({ index: ma.index, name: ma.name, type: ma.type, step: ma.step, output: o, verdict: verdictOf(metrics), metrics, addedError });
    }
  }
  const unaligned = [...ka.keys()].filter((k) => !kb.has(k)).map((k) => `only in A: ${k}`).concat([...kb.keys()].filter((k) => !ka.has(k)).map((k) => `only in B: ${k}`));
  const finalOutputs = a.index.finalOutputs.map((fa, i) => {
    const fb = b.index.finalOutputs[i];
    const metrics = fb ? compareValues(a.values(fa.values), b.values(fb.values), tolerance) : compareValues(new Float64Array(), new Float64Array(), tolerance);
    return { name: fa.name, verdict: verdictOf(metrics), metrics };
  });
  const first = modules.find((m) => m.verdict === "divergent");
  const all: ComparisonVerdict[] = [...modules.map((m) => m.verdict), ...finalOutputs.map((f) => f.verdict)];
  const verdict: ComparisonVerdict = all.includes("divergent") ? "divergent" : all.every((v) => v === "equivalent") ? "equivalent" : "within-tolerance";
  const reason = first ? (first.metrics.nanMismatches > 0 ? `${first.metrics.nanMismatches} NaN where the reference has numbers (or the reverse)` : first.metrics.infMismatches > 0 ? `${first.metrics.infMismatches} Inf mismatches` : `${(first.metrics.outsideShare * 100).toFixed(1)}% of sampled elements outside tolerance, max abs error ${first.metrics.maxAbs?.toExponential(2)}`) : "";
  const summary =
    verdict === "divergent"
      ? `divergent under the ${tolerance.name} profile; first at ${first?.name ?? "the final output"}: ${reason || "final outputs differ"}`
      : `${verdict} under the ${tolerance.name} profile (rtol ${tolerance.rtol}, atol ${tolerance.atol}) across ${modules.length} module outputs`;
  return {
    kind: "compare-runs",
    resultVersion: 1,
    runId: randomUUID(),
    ...(b.index.checkpoint.checkpointId ?? a.index.checkpoint.checkpointId ? { checkpointId: (b.index.checkpoint.checkpointId ?? a.index.checkpoint.checkpointId)! } : {}),
    checkpointSha256: a.index.checkpoint.sha256,
    inputSha256: a.index.input.sha256,
    reference: side(a.index),
    candidate: side(b.index),
    profile: tolerance,
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
