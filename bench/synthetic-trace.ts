// Writes a log-run trace folder of a given size without a model: for benchmarking compare-runs.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatJson } from "../src/files/json-text.ts";

export async function writeSyntheticTrace(
  dir: string,
  options: { modules: number; numel: number; samples: number; finalNumel: number; noise: number; seed: number },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  let state = options.seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const base = (i: number) => Math.sin(i * 0.001) * 3;
  const samples = new Float64Array(options.modules * options.samples * 2);
  const modules = [];
  let offset = 0;
  const record = () => {
    const at = offset;
    for (let i = 0; i < options.samples; i++) samples[offset++] = base(at + i) + options.noise * random();
    const stats = { numel: options.numel, min: -3, max: 3, mean: 0, std: 2.1, l2: 2.1 * Math.sqrt(options.numel), nan: 0, inf: 0 };
    return { shape: [options.numel], dtype: "float32", stats, sample: { file: "samples.f64", offset: at, count: options.samples } };
  };
  for (let m = 0; m < options.modules; m++) {
    modules.push({ index: m, name: `layers.${m}`, type: "torch.nn.modules.linear.Linear", step: 0, inputs: [record()], outputs: [record()] });
  }
  const outputs = new Float64Array(options.finalNumel);
  for (let i = 0; i < outputs.length; i++) outputs[i] = base(i) + options.noise * random();
  const index = {
    kind: "log-run-trace",
    traceVersion: 1,
    runId: `synthetic-${options.seed}`,
    date: "2026-11-26T00:00:00.000Z",
    tool: { name: "bench", version: "0" },
    checkpoint: { sha256: "0".repeat(64), sizeBytes: 1 },
    input: { seed: 0, dtype: "float32", device: "cpu", sha256: "1".repeat(64), tensors: [{ name: "data", shape: [1, options.numel] }] },
    path: "forward",
    steps: 1,
    environment: { os: "linux", arch: "x86_64" },
    timingsSeconds: {},
    peakMemoryBytes: {},
    sampleCount: options.samples,
    modules,
    finalOutputs: [{ name: "step 0", shape: [options.finalNumel], dtype: "float32", values: { file: "outputs.f64", offset: 0, count: options.finalNumel } }],
  };
  await writeFile(join(dir, "samples.f64"), new Uint8Array(samples.buffer));
  await writeFile(join(dir, "outputs.f64"), new Uint8Array(outputs.buffer));
  await writeFile(join(dir, "index.json"), formatJson(index));
}
