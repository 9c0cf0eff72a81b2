// The real H200 traces (tests/fixtures/traces/h200) as trace folders: index.json built from spec.json and
// result.json the way log-run assembles it, and copies with one module's stored output perturbed.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { traceIndex, type TraceIndex } from "../../src/contract/records/trace.ts";
import { fixture } from "../support/paths.ts";

export const h200Runs = ["cpu-float64", "cuda-float32", "cuda-float32-tf32", "cuda-bfloat16"] as const;
export type H200Run = (typeof h200Runs)[number];

/** outputs.f64 is kept to its first 65,536 values (of 753,664) to keep the fixture small; see SOURCES.md. */
const keptFinalValues = 65_536;

export async function h200Trace(run: H200Run, dir: string, edit: (index: TraceIndex) => void = () => {}): Promise<string> {
  const source = fixture(`traces/h200/${run}`);
  const out = join(dir, run);
  await mkdir(out, { recursive: true });
  const spec = JSON.parse(await readFile(join(source, "spec.json"), "utf8"));
  const result = JSON.parse(await readFile(join(source, "result.json"), "utf8"));
  const index = traceIndex.parse({
    kind: "log-run-trace",
    traceVersion: 1,
    runId: `h200-${run}`,
    date: "2026-11-28T08:41:00.000Z",
    tool: { name: "log-run", version: "h200-fixture" },
    // The checkpoint itself is not part of the fixture: the same stand-in digest for all four runs.
    checkpoint: { sha256: createHash("sha256").update(spec.checkpoint).digest("hex"), sizeBytes: 0 },
    input: { seed: spec.seed, dtype: spec.dtype, device: spec.device, sha256: result.inputSha256, tensors: spec.inputs },
    path: result.path,
    steps: spec.steps,
    environment: result.environment,
    timingsSeconds: result.timingsSeconds,
    peakMemoryBytes: result.peakMemoryBytes,
    sampleCount: spec.sampleCount,
    modules: result.modules,
    finalOutputs: result.finalOutputs.map((f: any) => ({ ...f, values: { ...f.values, count: Math.min(f.values.count, keptFinalValues) } })),
  });
  edit(index);
  await writeFile(join(out, "index.json"), JSON.stringify(index));
  await copyFile(join(source, "samples.f64"), join(out, "samples.f64"));
  await copyFile(join(source, "outputs.f64"), join(out, "outputs.f64"));
  return out;
}

/** Deterministic standard normal numbers (xorshift and Box-Muller): the same noise on every run. */
function normals(count: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

export type Perturbation = { scale: number } | { noiseRelL2: number } | { nan: true };

/**
 * Changes the stored output (or input) sample of module `name` in a trace folder, as a wrong kernel would have: scaled,
 * with noise of a given relative L2, or with one NaN (counted in the stats of every record sharing the sample).
 */
export async function perturbModule(dir: string, name: string, perturbation: Perturbation, part: "outputs" | "inputs" = "outputs"): Promise<void> {
  const index: TraceIndex = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
  const module = index.modules.find((m) => m.name === name);
  if (!module) throw new Error(`no module ${name} in ${dir}`);
  const { offset, count } = module[part][0]!.sample;
  const bytes = await readFile(join(dir, "samples.f64"));
  const values = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const slice = values.subarray(offset, offset + count);
  if ("scale" in perturbation) for (let i = 0; i < count; i++) slice[i]! *= perturbation.scale;
  else if ("noiseRelL2" in perturbation) {
    const rms = Math.sqrt(slice.reduce((s, x) => s + x * x, 0) / count);
    const noise = normals(count, offset + 1);
    for (let i = 0; i < count; i++) slice[i]! += perturbation.noiseRelL2 * rms * noise[i]!;
  } else {
    slice[count >> 1] = NaN;
    for (const m of index.modules) for (const t of [...m.inputs, ...m.outputs]) if (t.sample.offset === offset) t.stats.nan += 1;
  }
  await writeFile(join(dir, "samples.f64"), bytes);
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
}
