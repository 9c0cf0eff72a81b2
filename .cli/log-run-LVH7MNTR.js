import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  environmentOptions,
  environmentSettings,
  positiveNumber,
  prepare,
  resolveCheckpoint,
  runSandboxed
} from "./chunk-2XRJYSAV.js";
import {
  asCliError
} from "./chunk-GDFSYFP5.js";
import "./chunk-PIT64DJA.js";
import {
  toolFor
} from "./chunk-WZ42TI66.js";
import "./chunk-Y6XR3PQD.js";
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  traceIndex
} from "./chunk-32NUYPAV.js";
import {
  CliError,
  defineCommand,
  formatJson
} from "./chunk-STXQ2W3N.js";

// tooling/run/dummy-input.ts
var InputShapeError = class extends Error {
};
function dummyInputs(extraction) {
  const { inputs } = extraction.mapped;
  const steps = inputs.steps ?? 1;
  const datasets = inputs.datasets ?? [];
  if (datasets.length !== 1) {
    throw new InputShapeError(`the model reads ${datasets.length} datasets; the direct path feeds one (multi-dataset models need anemoi-inference)`);
  }
  const dataset = datasets[0];
  const variables = (inputs.variables ?? []).filter((v) => v.category !== "diagnostic").length;
  if (!dataset.gridPoints || variables === 0) {
    throw new InputShapeError(`the metadata does not give the input size (grid points ${dataset.gridPoints ?? "unknown"}, ${variables} input variables)`);
  }
  return [{ name: dataset.name, shape: [1, steps, 1, dataset.gridPoints, variables] }];
}
function stateFieldNames(extraction) {
  return (extraction.mapped.inputs.variables ?? []).filter((v) => v.category !== "computed" && v.category !== "diagnostic").map((v) => v.name);
}
function timestepHours(timestep) {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(timestep ?? "");
  if (!m || !timestep) return 6;
  return Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60 + Number(m[4] ?? 0) / 3600;
}

// tooling/run/log-run.ts
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
var LogRunError = class extends Error {
};
var script = new URL("../python/log_run.py", import.meta.url).pathname;
async function logRun(file, options) {
  const prepared = await prepare(file, options);
  if (prepared.refused) throw new LogRunError(prepared.refused.summary);
  const env = prepared.env;
  const work = await mkdtemp(join(tmpdir(), "fiab-log-run-"));
  try {
    if (prepared.installFailure) throw new LogRunError(`pip could not install the requirements: ${prepared.installFailure.reason ?? ""}`);
    const inputs = dummyInputs(prepared.extraction);
    const out = resolve(options.out);
    await mkdir(out, { recursive: true });
    const spec = {
      checkpoint: resolve(file.path),
      out,
      device: options.device,
      dtype: options.dtype,
      seed: options.seed,
      steps: options.steps,
      sampleCount: options.sampleCount,
      inputs,
      via: options.via,
      fieldNames: stateFieldNames(prepared.extraction),
      timestepHours: timestepHours(prepared.extraction.mapped.model.timestep)
    };
    await writeFile(join(work, "spec.json"), JSON.stringify(spec));
    const resultFile = join(work, "result.json");
    const run = await runSandboxed([env.python, script, join(work, "spec.json"), resultFile], {
      cwd: work,
      env: { ...options.env, PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`, HOME: work, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs: options.timeoutMs,
      ...options.memoryLimitMiB ? { memoryLimitMiB: options.memoryLimitMiB } : {}
    });
    if (run.timedOut) throw new LogRunError(`the run did not finish within ${options.timeoutMs / 1e3} s; the process group was killed`);
    if (!existsSync(resultFile)) throw new LogRunError(`the run failed (${run.signal ?? `exit ${run.exitCode}`}):
${run.stderr.split("\n").slice(-15).join("\n")}`);
    const result = JSON.parse(await readFile(resultFile, "utf8"));
    const index = traceIndex.parse({
      kind: "log-run-trace",
      traceVersion: 1,
      runId: randomUUID(),
      date: (/* @__PURE__ */ new Date()).toISOString(),
      tool: toolFor("log-run"),
      checkpoint: { sha256: prepared.sha256, sizeBytes: prepared.sizeBytes, ...file.checkpointId ? { checkpointId: file.checkpointId } : {} },
      input: { seed: options.seed, dtype: options.dtype, device: options.device, sha256: result.inputSha256, tensors: inputs },
      path: result.path,
      steps: options.steps,
      environment: result.environment,
      timingsSeconds: { ...prepared.durations, ...result.timingsSeconds },
      peakMemoryBytes: result.peakMemoryBytes,
      sampleCount: options.sampleCount,
      modules: result.modules,
      finalOutputs: result.finalOutputs
    });
    await writeFileAtomic(join(out, "index.json"), formatJson(index));
    return index;
  } finally {
    await rm(work, { recursive: true, force: true });
    await env.dispose();
  }
}

// tooling/commands/log-run.ts
var dtypes = ["float32", "float16", "bfloat16", "float64"];
var devices = ["cpu", "cuda", "mps"];
var log_run_default = defineCommand({
  name: "log-run",
  summary: "Run a checkpoint on deterministic dummy input and trace every module's output (for compare-runs).",
  description: "In a fresh environment with the checkpoint's requirements (as verify-unpickling), builds dummy input from the\nmetadata (input steps x grid points x input variables), generated on the CPU in float64 from --seed and then\ncast, so every platform gets the same input. With anemoi-inference installed in the environment it runs the\nmodel through anemoi-inference's SimpleRunner; otherwise it calls the model directly (predict_step when\npresent, else forward). A forward hook on every module records its outputs; the trace folder (index.json +\nfloat64 files; docs/traces.md) says which path was taken.",
  positionals: [{ name: "entry-id | path", description: "an entry of --entries, a checkpoint file, or a URL" }],
  options: {
    device: { type: "string", valueName: "cpu|cuda|mps", description: "where the model runs", default: "cpu" },
    dtype: { type: "string", valueName: "TYPE", description: "float32, float16, bfloat16 or float64", default: "float32" },
    seed: { type: "string", valueName: "N", description: "seed of the dummy input", default: "0" },
    steps: { type: "string", valueName: "N", description: "model steps (rolled out)", default: "1" },
    out: { type: "string", valueName: "DIR", description: "trace folder", default: "trace" },
    samples: { type: "string", valueName: "N", description: "elements sampled per module output", default: "1024" },
    via: { type: "string", valueName: "auto|direct|anemoi-inference", description: "drive the model through anemoi-inference (when installed in the environment) or call it directly", default: "auto" },
    env: { type: "string", valueName: "NAME=VALUE", multiple: true, description: "environment variable for the model process (repeatable)" },
    timeout: { type: "string", valueName: "SECONDS", description: "time limit of the run", default: "1800" },
    "memory-limit": { type: "string", valueName: "MiB", description: "address-space limit of the run" },
    ...environmentOptions
  },
  examples: ["npm run -s registry -- log-run model.ckpt --dtype float64 --out traces/cpu-f64 --offline --find-links wheels --system-site-packages"],
  async run({ options, positionals, out, log }) {
    const [target] = positionals;
    const dtype = options.dtype;
    const device = options.device;
    if (!dtypes.includes(dtype)) throw new CliError(`--dtype must be one of ${dtypes.join(", ")}, got "${dtype}"`, 2);
    if (!devices.includes(device.replace(/:\d+$/, ""))) throw new CliError(`--device must be one of ${devices.join(", ")}, got "${device}"`, 2);
    const via = options.via;
    if (!["auto", "direct", "anemoi-inference"].includes(via)) throw new CliError(`--via must be auto, direct or anemoi-inference, got "${via}"`, 2);
    const seed = Number(options.seed);
    if (!Number.isSafeInteger(seed)) throw new CliError(`--seed must be an integer, got "${String(options.seed)}"`, 2);
    const env = {};
    for (const pair of options.env ?? []) {
      const at = pair.indexOf("=");
      if (at <= 0) throw new CliError(`--env takes NAME=VALUE, got "${pair}"`, 2);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
    try {
      const file = await resolveCheckpoint(target, options);
      const index = await logRun(file, {
        ...environmentSettings(options, log),
        device,
        dtype,
        seed,
        steps: positiveNumber("steps", options.steps),
        out: options.out,
        timeoutMs: positiveNumber("timeout", options.timeout) * 1e3,
        memoryLimitMiB: positiveNumber("memory-limit", options["memory-limit"]),
        sampleCount: positiveNumber("samples", options.samples),
        via,
        env
      });
      log(`log-run: ${index.modules.length} module calls traced via ${index.path} into ${options.out}`);
      out(JSON.stringify({ trace: options.out, runId: index.runId, path: index.path, modules: index.modules.length }, null, 2));
      return 0;
    } catch (error) {
      if (error instanceof LogRunError || error instanceof InputShapeError) throw new CliError(error.message);
      throw asCliError(error, target);
    }
  }
});
export {
  log_run_default as default
};
