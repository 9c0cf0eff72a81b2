// `npm run bench` (numerical part): compare-runs on two traces with 500 modules and 1,000,000-element
// outputs (target <= 2 s), and log-run's hook overhead against a plain forward of the toy model (<= 3x).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable } from "../tests/support/python-fixtures.ts";
import { writeSyntheticTrace } from "./synthetic-trace.ts";

const root = new URL("..", import.meta.url).pathname;
const rows: string[][] = [];
const dir = await mkdtemp(join(tmpdir(), "bench-numerics-"));
try {
  for (const samples of [1024, 65536]) {
    const a = join(dir, `a-${samples}`);
    const b = join(dir, `b-${samples}`);
    const shape = { modules: 500, numel: 1_000_000, samples, finalNumel: 1_000_000 };
    await writeSyntheticTrace(a, { ...shape, noise: 0, seed: 1 });
    await writeSyntheticTrace(b, { ...shape, noise: 1e-7, seed: 2 });
    const started = performance.now();
    const run = await execa(process.execPath, [join(root, "tooling/cli.ts"), "compare-runs", a, b, "--json", join(dir, "r.json"), "--html", join(dir, "r.html")], { reject: false });
    const seconds = (performance.now() - started) / 1000;
    if (run.exitCode === 2 || (run.exitCode !== 0 && run.exitCode !== 1)) throw new Error(run.stderr);
    rows.push([`compare-runs: 500 modules x 1,000,000-element outputs, ${samples.toLocaleString("en")} sampled per output, final output whole (s, whole command)`, seconds.toFixed(2), "<= 2 s"]);
  }

  const why = await torchUnavailable();
  if (why) rows.push(["log-run hook overhead", `not measured: ${why}`, "<= 3x"]);
  else {
    const models = await buildTinyModels(dir);
    const checkpoint = await makeCheckpoint(models, join(dir, "tiny.ckpt"), "tiny_models.TinyNet");
    for (const grid of [4000, 40000, 200000]) {
      const spec = { checkpoint, out: join(dir, "t"), device: "cpu", dtype: "float32", seed: 0, steps: 1, sampleCount: 1024, inputs: [{ name: "data", shape: [1, 2, 1, grid, 3] }], benchmark: 20 };
      const specFile = join(dir, "spec.json");
      const resultFile = join(dir, "result.json");
      await writeFile(specFile, JSON.stringify(spec));
      await execa(torchPython, [join(root, "tooling/python/log_run.py"), specFile, resultFile], { env: { PYTHONPATH: models.source } });
      const r = JSON.parse(await readFile(resultFile, "utf8"));
      rows.push([`log-run hooks vs plain forward, toy model, ${grid.toLocaleString("en")} grid points (best of 20: ${(r.plainSeconds * 1000).toFixed(1)} ms vs ${(r.hookedSeconds * 1000).toFixed(1)} ms)`, `${(r.hookedSeconds / r.plainSeconds).toFixed(2)}x`, "<= 3x"]);
    }
  }
  process.stdout.write(`| numerics | measured | target |\n| --- | ---: | ---: |\n${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
