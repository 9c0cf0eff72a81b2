// `npm run bench` (numerical part): compare-runs on two traces with 500 modules and 1,000,000-element outputs
// against the same comparison written plainly with numpy (bench/python/compare_runs_numpy.py) on the same
// files, in the same run (targets: <= 2 s, and <= 1x numpy's time and memory); and log-run's hook overhead
// against a plain forward of the toy model in float32 and bfloat16 (<= 3x; on a GPU the goal is 1.5x, measured
// by bench/python/log_run_overhead.py, which needs only torch).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable } from "../tests/support/python-fixtures.ts";
import { allowlistWith } from "../tooling/pickle/allowlist.ts";
import { runChild, type ChildRun } from "./measure.ts";
import { writeSyntheticTrace } from "./synthetic-trace.ts";

const root = new URL("..", import.meta.url).pathname;
const rows: string[][] = [];
const dir = await mkdtemp(join(tmpdir(), "bench-numerics-"));
const runs = 3;

const mib = (bytes: number | undefined) => (bytes === undefined ? "–" : (bytes / 1024 ** 2).toFixed(0));
const peak = (run: ChildRun) => Math.max(run.memory?.peakTreeRssBytes ?? 0, run.gnuTimeMaxRssBytes ?? 0) || undefined;

/** Median wall time and the largest peak RSS of `runs` runs; alternating commands share the machine's state. */
async function measure(command: string[]): Promise<{ seconds: number; peakBytes: number | undefined }> {
  const times: number[] = [];
  let peakBytes: number | undefined;
  for (let i = 0; i < runs; i++) {
    const run = await runChild(command, { cwd: root, logFile: join(dir, "run.log") });
    if (run.exitCode !== 0 && run.exitCode !== 1) throw new Error(`${command.join(" ")} exited ${run.exitCode}:\n${run.output}`);
    times.push(run.wallSeconds);
    peakBytes = Math.max(peakBytes ?? 0, peak(run) ?? 0) || undefined;
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)]!, peakBytes };
}

try {
  await execa(process.execPath, [join(root, "tooling/bundle.mjs")]);
  const numpy = (await torchUnavailable()) === undefined || (await execa(torchPython, ["-c", "import numpy"], { reject: false })).exitCode === 0;
  for (const samples of [1024, 65536]) {
    const a = join(dir, `a-${samples}`);
    const b = join(dir, `b-${samples}`);
    const shape = { modules: 500, numel: 1_000_000, samples, finalNumel: 1_000_000 };
    await writeSyntheticTrace(a, { ...shape, noise: 0, seed: 1 });
    await writeSyntheticTrace(b, { ...shape, noise: 1e-7, seed: 2 });
    const ours = await measure([
      process.execPath,
      join(root, "tooling/registry.mjs"),
      "compare-runs",
      a,
      b,
      "--out",
      join(dir, "r.json"),
      "--html",
      join(dir, "r.html"),
    ]);
    const label = `compare-runs: 500 modules x 1,000,000-element outputs, ${samples.toLocaleString("en")} sampled per output, final output whole`;
    rows.push([`${label} (s, whole command, median of ${runs})`, ours.seconds.toFixed(2), "<= 2 s"]);
    if (!numpy) {
      rows.push([`${label}: numpy anchor`, `not measured: ${torchPython} cannot import numpy`, ""]);
      continue;
    }
    const anchor = await measure([torchPython, join(root, "bench/python/compare_runs_numpy.py"), a, b, "1.3e-6", "1e-5"]);
    rows.push([`${label}: numpy script on the same files (s)`, anchor.seconds.toFixed(2), ""]);
    rows.push([`${label}: time, compare-runs / numpy`, `${(ours.seconds / anchor.seconds).toFixed(2)}x`, "<= 1x"]);
    rows.push([
      `${label}: peak RSS, compare-runs / numpy (${mib(ours.peakBytes)} / ${mib(anchor.peakBytes)} MiB)`,
      ours.peakBytes && anchor.peakBytes ? `${(ours.peakBytes / anchor.peakBytes).toFixed(2)}x` : "–",
      "<= 1x",
    ]);
  }

  const why = await torchUnavailable();
  if (why) rows.push(["log-run hook overhead", `not measured: ${why}`, "<= 3x"]);
  else {
    const models = await buildTinyModels(dir);
    const checkpoint = await makeCheckpoint(models, join(dir, "tiny.ckpt"), "tiny_models.TinyNet");
    for (const dtype of ["float32", "bfloat16"])
      for (const grid of [4000, 40000, 200000]) {
        const spec = {
          checkpoint,
          allowlist: allowlistWith(["tiny_models"]),
          out: join(dir, "t"),
          device: "cpu",
          dtype,
          seed: 0,
          steps: 1,
          sampleCount: 1024,
          inputs: [{ name: "data", shape: [1, 2, 1, grid, 3] }],
          benchmark: 20,
        };
        const specFile = join(dir, "spec.json");
        const resultFile = join(dir, "result.json");
        await writeFile(specFile, JSON.stringify(spec));
        await execa(torchPython, [join(root, "tooling/python/log_run.py"), specFile, resultFile], { env: { PYTHONPATH: models.source } });
        const r = JSON.parse(await readFile(resultFile, "utf8"));
        rows.push([
          `log-run hooks vs plain forward, toy model, ${dtype}, ${grid.toLocaleString("en")} grid points (best of 20: ${(r.plainSeconds * 1000).toFixed(1)} ms vs ${(r.hookedSeconds * 1000).toFixed(1)} ms)`,
          `${(r.hookedSeconds / r.plainSeconds).toFixed(2)}x`,
          "<= 3x",
        ]);
      }
  }
  process.stdout.write(`| numerics | measured | target |\n| --- | ---: | ---: |\n${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
