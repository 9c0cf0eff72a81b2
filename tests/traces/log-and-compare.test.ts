// log-run and compare-runs end to end on CPU: real traces of a tiny model with Debian's torch.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { readJson, runCli, tempDir } from "../support/helpers.ts";
import { buildTinyModels, makeCheckpoint, torchUnavailable, type TinyModels, tinyModelOptions } from "../support/python-fixtures.ts";
import { astroBuild } from "../support/site-build.ts";

// The checkpoint runs in bubblewrap's sandbox: without it the command refuses (unless --no-sandbox).
const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the torch tests: ${unavailable}`);
if (unavailable) console.warn(`skipping log-run tests: ${unavailable}`);

let dir: string;
let models: TinyModels;
let checkpoint: string;
const traces: Record<string, string> = {};

async function logRun(name: string, ...args: string[]) {
  const out = join(dir, name);
  const run = await runCli(["log-run", checkpoint, ...tinyModelOptions(models), "--out", out, ...args]);
  expect(run.exitCode, run.stderr).toBe(0);
  traces[name] = out;
  return out;
}

async function compare(a: string, b: string, ...args: string[]) {
  const json = join(dir, `compare-${Math.random().toString(36).slice(2)}.json`);
  const run = await runCli(["compare-runs", a, b, "--out", json, ...args]);
  return { run, json, result: run.exitCode === 2 ? undefined : await readJson(json).catch(() => undefined) };
}

const moduleNames = [
  "encoder",
  "processor.0.linear",
  "processor.0.activation",
  "processor.0",
  "processor.1.linear",
  "processor.1.activation",
  "processor.1",
  "processor.2.linear",
  "processor.2.activation",
  "processor.2",
  "processor",
  "norm",
  "decoder",
];

describe.skipIf(unavailable)("log-run and compare-runs", () => {
  beforeAll(async () => {
    dir = await tempDir();
    models = await buildTinyModels(dir);
    checkpoint = await makeCheckpoint(models, join(dir, "tiny.ckpt"), "tiny_models.TinyNet");
    await logRun("f64", "--dtype", "float64");
    await logRun("f32", "--dtype", "float32");
  });

  it("log-run writes a trace: deterministic input from the metadata, every module in call order, final output whole", async () => {
    const index = await readJson(join(traces.f64!, "index.json"));
    expect(index).toMatchObject({
      kind: "log-run-trace",
      traceVersion: 1,
      path: "predict_step",
      steps: 1,
      input: { seed: 0, dtype: "float64", device: "cpu", tensors: [{ name: "data", shape: [1, 2, 1, 40, 3] }] },
    });
    expect(index.modules.map((m: any) => m.name)).toEqual(moduleNames);
    expect(index.modules[0].outputs[0]).toMatchObject({ shape: [1, 1, 40, 16], dtype: "float64", sample: { file: "samples.f64", count: 640 } });
    expect(index.finalOutputs).toEqual([{ name: "step 0", shape: [1, 1, 40, 3], dtype: "float64", values: { file: "outputs.f64", offset: 0, count: 120 } }]);
    expect(index.environment).toMatchObject({ torch: expect.any(String), deterministicAlgorithms: false, cudaAvailable: false });
    // The settings that change results, as they were during the forward pass.
    expect(index.environment.numerics).toMatchObject({
      float32MatmulPrecision: "highest",
      tf32Matmul: false,
      autocast: { enabled: false, device: "cpu" },
      deterministicAlgorithms: false,
      sdpa: expect.objectContaining({ math: true }),
      device: "cpu",
    });
    const f32 = await readJson(join(traces.f32!, "index.json"));
    expect(f32.input.sha256).toBe(index.input.sha256);
    expect((await readFile(join(traces.f64!, "outputs.f64"))).length).toBe(120 * 8);
  });

  it("says so when asked to go through anemoi-inference where it is not installed", async () => {
    const run = await runCli(["log-run", checkpoint, ...tinyModelOptions(models), "--out", join(dir, "via"), "--via", "anemoi-inference"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("--via anemoi-inference: anemoi-inference is not installed in the environment");
  });

  it("float64 against float32: within the precision of float32 by the recorded settings, every module listed", async () => {
    const { run, result } = await compare(traces.f64!, traces.f32!);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(result.verdict).toBe("within-tolerance");
    expect(result.profile).toEqual({ name: "float32", rtol: 1.3e-6, atol: 1e-5 });
    expect(result.budget.candidate).toMatchObject({ dtype: "float32", matmul: "float32", storageUnit: 2 ** -24, source: "recorded" });
    expect(result.summary).toMatch(
      /^within-tolerance of the precision of the runs \(A float64 \(u = 2\^-53; settings recorded\), B float32 \(u = 2\^-24; settings recorded\)\)/,
    );
    expect(result.modules.map((m: any) => m.name)).toEqual(moduleNames);
    expect(result.modules.every((m: any) => m.verdict === "within-tolerance")).toBe(true);
    expect(run.stdout.split("\n")).toHaveLength(2 + moduleNames.length);
  });

  it("a perturbed layer is named first divergent; the modules before it are equivalent", async () => {
    const perturbed = await logRun("perturbed", "--env", "TINY_MODELS_PERTURB=processor.1");
    const { run, result } = await compare(traces.f32!, perturbed, "--html", join(dir, "report.html"));
    expect(run.exitCode).toBe(1);
    expect(result.verdict).toBe("divergent");
    expect(result.firstDivergent).toMatchObject({ name: "processor.1" });
    const before = result.modules.filter((m: any) => moduleNames.indexOf(m.name) < moduleNames.indexOf("processor.1"));
    expect(before.map((m: any) => m.verdict)).toEqual(Array(6).fill("equivalent"));
    expect(result.modules.find((m: any) => m.name === "processor.1").addedError).toBeGreaterThan(0);
    const html = await readFile(join(dir, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<(script|link|img)\b/);
  });

  it("NaN injected in one layer is reported as NaN, not as a number", async () => {
    const nan = await logRun("nan", "--env", "TINY_MODELS_NAN=processor.2");
    const { result } = await compare(traces.f32!, nan);
    expect(result.firstDivergent).toEqual({ index: 9, name: "processor.2", reason: expect.stringMatching(/^\d+ NaN where the reference has numbers/) });
    const layer = result.modules.find((m: any) => m.name === "processor.2");
    expect(layer.metrics.nanMismatches).toBeGreaterThan(0);
    // With NaN present the recorder gives the counts only (a summary of the finite elements would cost passes).
    const recorded = (await readJson(join(nan, "index.json"))).modules.find((m: any) => m.name === "processor.2").outputs[0].stats;
    expect(recorded).toMatchObject({ numel: 640, nan: expect.any(Number), inf: 0, min: null, l2: null });
    expect(recorded.nan).toBeGreaterThan(0);
    expect(Number.isNaN(layer.metrics.maxAbs)).toBe(false);
  });

  it("refuses traces of different models or inputs", async () => {
    checkpoint = await makeCheckpoint(models, join(dir, "other.ckpt"), "tiny_models.TinyNet", "--seed", "1");
    const other = await logRun("other", "--dtype", "float32");
    const models_ = await compare(traces.f32!, other);
    expect(models_.run.exitCode).toBe(1);
    expect(models_.run.stderr).toMatch(/^registry compare-runs: the traces are of different checkpoints: A sha256 [0-9a-f]{64}, B sha256 [0-9a-f]{64}$/);
    checkpoint = join(dir, "tiny.ckpt");
    const seeded = await logRun("seed7", "--seed", "7");
    const inputs = await compare(traces.f32!, seeded);
    expect(inputs.run.stderr).toMatch(/the traces have different inputs: A seed 0 .* B seed 7/);
  });

  it("keeps a sample of each final output with --final-samples, at the module samples' positions, comparable only with the same number", async () => {
    const sampled = await logRun("f64-final-50", "--dtype", "float64", "--final-samples", "50");
    const index = await readJson(join(sampled, "index.json"));
    expect(index.finalOutputs).toEqual([{ name: "step 0", shape: [1, 1, 40, 3], dtype: "float64", values: { file: "outputs.f64", offset: 0, count: 50 } }]);
    const whole = new Float64Array((await readFile(join(traces.f64!, "outputs.f64"))).buffer.slice(0));
    const kept = new Float64Array((await readFile(join(sampled, "outputs.f64"))).buffer.slice(0));
    expect([...kept]).toEqual(Array.from({ length: 50 }, (_, i) => whole[Math.floor((i * 120) / 50)]));
    const mixed = await compare(traces.f64!, sampled);
    expect(mixed.run.exitCode).toBe(1);
    expect(mixed.run.stderr).toContain(
      'final output "step 0" has 120 values in A and 50 in B (of 120): make both traces with the same log-run --final-samples',
    );
    const f32 = await logRun("f32-final-50", "--dtype", "float32", "--final-samples", "50");
    const both = await compare(sampled, f32);
    expect(both.result?.verdict).toBe("within-tolerance");
  });

  it("update-metadata records a compare result, and the catalog page shows it", async () => {
    const entries = join(dir, "entries");
    const extract = await runCli([
      "extract-basic-metadata",
      join(dir, "tiny.ckpt"),
      "--id",
      "tiny",
      "--url",
      "https://example.org/tiny.ckpt",
      "--hash",
      "--write",
      "--entries",
      entries,
    ]);
    expect(extract.exitCode, extract.stderr).toBe(0);
    const { json } = await compare(traces.f32!, traces.perturbed!);
    const update = await runCli(["update-metadata", "tiny", "--from", json, "--entries", entries]);
    expect(update.exitCode, update.stderr).toBe(0);
    expect(update.stdout).toBe("linux-x86_64-cpu: degraded");
    const site = join(dir, "site");
    const build = await astroBuild(entries, site);
    expect(build.exitCode, build.all).toBe(0);
    const page = await readFile(join(site, "checkpoints", "tiny", "index.html"), "utf8");
    expect(page).toContain("compare-runs");
    expect(page).toContain("degraded");
    expect(page).toContain("processor.1");
  });
});
