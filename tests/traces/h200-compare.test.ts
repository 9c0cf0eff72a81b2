// compare-runs on real H200 traces of one toy model (tests/fixtures/traces/h200): float32, TF32 and bfloat16
// runs against a CPU float64 reference are within their precision; a perturbed or NaN layer is still found.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evidenceFromResult } from "../../src/evidence/from-result.ts";
import { readJson, runCli, tempDir } from "../support/helpers.ts";
import { h200Trace, perturbModule, type H200Run, type Perturbation } from "./h200-traces.ts";

let dir: string;
let reference: string;

async function compare(b: string, ...args: string[]) {
  const json = join(dir, `compare-${Math.random().toString(36).slice(2)}.json`);
  const run = await runCli(["compare-runs", reference, b, "--out", json, ...args]);
  expect(run.exitCode, run.stderr).toBeLessThan(2);
  return { run, result: await readJson(json), json };
}

beforeAll(async () => {
  dir = await tempDir();
  reference = await h200Trace("cpu-float64", dir);
});

describe("H200 runs against the CPU float64 reference", () => {
  const cases: Array<[H200Run, string, string, number]> = [
    ["cuda-float32", "float32", "float32", 2 ** -24],
    ["cuda-float32-tf32", "float32", "tf32", 2 ** -11],
    ["cuda-bfloat16", "bfloat16", "bfloat16", 2 ** -8],
  ];
  it.each(cases)("%s is within tolerance of its precision, and update-metadata records a pass that names it", async (run, dtype, matmul, u) => {
    const html = join(dir, `${run}.html`);
    const { run: cli, result, json } = await compare(await h200Trace(run, dir), "--html", html);
    expect(cli.exitCode, cli.stdout).toBe(0);
    const report = await readFile(html, "utf8");
    expect(report).toContain('aria-label="relative L2 error over the allowed error per module, log scale"');
    expect(report).not.toMatch(/<(script|link|img)\b/);
    expect(result.verdict).toBe("within-tolerance");
    expect(result.firstDivergent).toBeUndefined();
    expect(result.modules).toHaveLength(42);
    expect(result.budget.candidate).toMatchObject({ dtype, matmul, matmulUnit: u, source: dtype === "float32" ? "tf32 flags" : "dtype" });
    expect(result.budget.reference).toMatchObject({ dtype: "float64", source: "dtype" });
    // The budget is about a third used at worst: well inside, yet not so loose that any error would pass.
    const used = result.modules.map((m: any) => m.metrics.relL2 / m.allowedRelL2);
    expect(Math.max(...used)).toBeLessThan(0.5);
    expect(Math.max(...used)).toBeGreaterThan(0.1);
    expect(result.summary).toContain(`B ${dtype} (u = 2^-${dtype === "float32" ? 24 : 8}`);
    const { update } = evidenceFromResult(await readJson(json), json);
    expect(update.platform).toBe("linux-x86_64-cuda");
    expect(update.evidence).toMatchObject({
      check: "compare-runs",
      result: "pass",
      summary: expect.stringContaining(matmul === "tf32" ? "matmul tf32 (u = 2^-11)" : `${dtype} (u = `),
    });
  });

  it("element by element (the old verdict) the bfloat16 run reads as divergent at the first Linear: the bug this fixes", async () => {
    const { run, result } = await compare(await h200Trace("cuda-bfloat16", dir), "--elementwise");
    expect(run.exitCode).toBe(1);
    expect(result).toMatchObject({ verdict: "divergent", firstDivergent: { index: 0, name: "encoder" }, profile: { name: "bfloat16" } });
    expect(result.budget).toBeUndefined();
  });

  it("an older trace without the TF32 flag is judged by its dtype and says so: TF32 rounding then is a divergence", async () => {
    const { result } = await compare(
      await h200Trace("cuda-float32-tf32", join(dir, "no-flags"), (index) => {
        delete (index.environment as any).tf32Matmul;
        delete (index.environment as any).tf32Cudnn;
      }),
    );
    expect(result.budget.candidate).toMatchObject({ matmul: "float32", source: "dtype" });
    expect(result.verdict).toBe("divergent");
    expect(result.firstDivergent).toMatchObject({ index: 0, name: "encoder" });
    expect(result.summary).toContain("settings not recorded, inferred from the dtype");
  });

  it("a recorded numerics record takes precedence over the dtype", async () => {
    const { result } = await compare(
      await h200Trace("cuda-float32", join(dir, "medium"), (index) => {
        (index.environment as any).numerics = { float32MatmulPrecision: "medium", tf32Matmul: false, tf32Cudnn: true, autocast: { enabled: false } };
      }),
    );
    expect(result.budget.candidate).toMatchObject({ matmul: "bfloat16", matmulUnit: 2 ** -8, source: "recorded" });
    expect(result.verdict).toBe("within-tolerance");
  });
});

describe("a real divergence in an H200 trace is still found and named first", () => {
  const runs: H200Run[] = ["cuda-float32", "cuda-float32-tf32", "cuda-bfloat16"];
  const layer = "blocks.1.mlp.1";

  async function perturbed(run: H200Run, how: Perturbation | ((allowed: number) => Perturbation)) {
    const clean = await compare(await h200Trace(run, join(dir, `clean-${run}`)));
    const allowed = clean.result.modules.find((m: any) => m.name === layer).allowedRelL2;
    const copy = await h200Trace(run, join(dir, `perturbed-${Math.random().toString(36).slice(2)}`));
    await perturbModule(copy, layer, typeof how === "function" ? how(allowed) : how);
    return compare(copy);
  }

  it.each(runs)("%s: noise of 10x the module's budget", async (run) => {
    const { run: cli, result } = await perturbed(run, (allowed) => ({ noiseRelL2: 10 * allowed }));
    expect(cli.exitCode).toBe(1);
    expect(result.verdict).toBe("divergent");
    expect(result.firstDivergent).toMatchObject({ index: 17, name: layer, reason: expect.stringMatching(/^relative L2 error .*x what the precision allows/) });
    // The modules before it still read as ordinary rounding.
    expect(result.modules.filter((m: any) => m.index < 17).every((m: any) => m.verdict === "within-tolerance")).toBe(true);
  });

  it.each(runs)("%s: one NaN is named as NaN", async (run) => {
    const { result } = await perturbed(run, { nan: true });
    expect(result.verdict).toBe("divergent");
    expect(result.firstDivergent).toEqual({ index: 17, name: layer, reason: expect.stringMatching(/^1 NaN where the reference has numbers/) });
    const { update } = evidenceFromResult(result, "result.json");
    expect(update.evidence.result).toBe("fail");
  });

  it.each(runs.slice(0, 2))("%s: the layer scaled by 1 + 1e-2", async (run) => {
    const { result } = await perturbed(run, { scale: 1 + 1e-2 });
    expect(result.verdict).toBe("divergent");
    expect(result.firstDivergent).toMatchObject({ index: 17, name: layer });
    const { update } = evidenceFromResult(result, "result.json");
    expect(update.evidence.result).toBe("degraded");
  });

  it("bfloat16: a 1e-2 scale is inside what bfloat16 can resolve at that depth, and is not called a divergence", async () => {
    const { result } = await perturbed("cuda-bfloat16", { scale: 1 + 1e-2 });
    const module = result.modules.find((m: any) => m.name === layer);
    expect(module.allowedRelL2).toBeGreaterThan(1e-2);
    expect(result.verdict).toBe("within-tolerance");
  });

  it("an error that enters between modules (a functional call) is charged to the module that received it", async () => {
    // blocks.0.attn.proj receives scaled_dot_product_attention's output, which no module hook records.
    const copy = await h200Trace("cuda-bfloat16", join(dir, "functional"));
    await perturbModule(copy, "blocks.0.attn.proj", { noiseRelL2: 0.2 }, "inputs");
    const { result } = await compare(copy);
    expect(result.verdict).toBe("divergent");
    expect(result.firstDivergent).toMatchObject({
      index: 3,
      name: "blocks.0.attn.proj",
      reason: expect.stringMatching(/^its input already differs by relative L2 [12]\.\d+e-1, more than the modules before it explain/),
    });
  });

  it("a few wrong elements are found by the tail test even when the relative L2 stays inside the budget", async () => {
    const copy = await h200Trace("cuda-float32-tf32", join(dir, "tail"));
    const clean = await compare(copy);
    const module = clean.result.modules.find((m: any) => m.name === layer);
    // One element off by 20 budgets of the RMS: its share of the relative L2 is 20 / sqrt(1024) < 1 budget.
    const bytes = await readFile(join(copy, "samples.f64"));
    const values = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    const { offset, count } = (await readJson(join(copy, "index.json"))).modules[17].outputs[0].sample;
    const slice = values.subarray(offset, offset + count);
    const rms = Math.sqrt(slice.reduce((s, x) => s + x * x, 0) / count);
    // An element no larger than the RMS: its error is measured on the RMS.
    const at = slice.findIndex((x) => Math.abs(x) < rms);
    slice[at]! += 20 * module.allowedRelL2 * rms;
    await writeFile(join(copy, "samples.f64"), bytes);
    const { result } = await compare(copy);
    const judged = result.modules.find((m: any) => m.name === layer);
    expect(judged.metrics.relL2).toBeLessThan(judged.allowedRelL2);
    expect(result.firstDivergent).toMatchObject({
      index: 17,
      name: layer,
      reason: expect.stringMatching(/^an element off by more than 8x the allowed relative error/),
    });
  });
});
