import { traceDtypes } from "../../src/contract/records/trace.ts";
import type { TraceIndex } from "../../src/contract/records/trace.ts";
import { capText, strangerText } from "../../src/text/control.ts";
import { CliError, defineCommand } from "./shared/command.ts";
import { installTimeoutMs } from "../environment/prepare.ts";
import { defaultMemoryLimitMiB } from "../environment/sandbox.ts";
import { drivePaths, environmentExitCode, logRun, LogRunError } from "../traces/log-run.ts";
import { checkpointFile, environmentOptions, environmentSettings } from "./environment-options.ts";
import { CheckpointFileError } from "../checkpoint/cache.ts";
import { HttpSourceError } from "../http/errors.ts";
import { errorMessage } from "../../src/errors.ts";

export default defineCommand({
  description:
    "In a fresh environment with the checkpoint's requirements (as verify-unpickling), builds dummy input from the\nmetadata (input steps x grid points x input variables), generated on the CPU in float64 from --seed and then\ncast, so every platform gets the same input. With anemoi-inference installed in the environment it runs the\nmodel through anemoi-inference's SimpleRunner; otherwise it calls the model directly (predict_step when\npresent, else forward). A forward hook on every module records its outputs (without synchronising a GPU);\nthe trace folder (index.json + float64 files; docs/traces.md) says which path was taken and the numerics\nsettings in force (TF32, matmul precision, autocast, determinism, attention backends). pip and the run are\nsandboxed as in verify-unpickling; the run writes only its scratch folder, whose trace files the harness copies\ninto --out. Exits 0 with a trace, 1 when the checkpoint could not be loaded or run (its fault), 75 when this\nhost's environment failed (no package index or wheel, no sandbox, the host's out-of-memory killer), 2 on a\nbad command line; a failure's last line on stderr is \"log-run failed (checkpoint|environment): <reason>\".",
  positionals: [{ name: "target", label: "entry-id | path", description: "an entry of --entries, a checkpoint file, or a URL" }],
  options: {
    device: { type: "string", choices: ["cpu", "cuda", "mps"], description: "where the model runs", default: "cpu" },
    dtype: { type: "string", choices: traceDtypes, description: "precision of the run", default: "float32" },
    seed: { type: "number", accept: "non-negative", valueName: "N", description: "seed of the dummy input", default: 0 },
    steps: { type: "number", accept: "positive integer", valueName: "N", description: "model steps (rolled out)", default: 1 },
    out: { type: "string", valueName: "DIR", description: "trace folder", default: "trace" },
    samples: { type: "number", accept: "positive integer", valueName: "N", description: "elements sampled per module output", default: 1024 },
    "final-samples": {
      type: "number",
      accept: "positive integer",
      valueName: "N",
      description: "keep N sampled elements of each step's final output instead of all of it (a bounded trace; compare traces made with the same N)",
    },
    via: {
      type: "string",
      choices: drivePaths,
      description: "drive the model through anemoi-inference (when installed in the environment) or call it directly",
      default: "auto",
    },
    env: { type: "string", valueName: "NAME=VALUE", multiple: true, description: "environment variable for the model process (repeatable)" },
    timeout: {
      type: "number",
      accept: "positive",
      valueName: "SECONDS",
      description: `time limit of the run (pip has its own: ${installTimeoutMs / 60_000} minutes)`,
      default: 1800,
    },
    "memory-limit": {
      type: "number",
      accept: "positive integer",
      valueName: "MiB",
      description: "memory limit (data segment) of pip and of the run; by default 3/4 of this machine's memory",
      default: defaultMemoryLimitMiB,
    },
    ...environmentOptions,
  },
  examples: ["npm run -s registry -- log-run model.ckpt --dtype float64 --out traces/cpu-f64 --offline --find-links wheels --system-site-packages"],
  async run({ options, args, out, log }) {
    if (!Number.isSafeInteger(options.seed)) throw new CliError(`--seed must be a whole number, got ${options.seed}`, 2);
    const env: Record<string, string> = {};
    for (const pair of options.env) {
      const at = pair.indexOf("=");
      if (at <= 0) throw new CliError(`--env takes NAME=VALUE, got "${pair}"`, 2);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const settings = {
      ...environmentSettings(options, log),
      device: options.device,
      dtype: options.dtype,
      seed: options.seed,
      steps: options.steps,
      out: options.out,
      timeoutMs: options.timeout * 1000,
      memoryLimitMiB: options["memory-limit"],
      sampleCount: options.samples,
      ...(options["final-samples"] !== undefined ? { finalSampleCount: options["final-samples"] } : {}),
      via: options.via,
      env,
    };
    let index: TraceIndex;
    try {
      index = await logRun(await checkpointFile(args.target, options), settings);
    } catch (error) {
      const fault =
        error instanceof LogRunError ? error.fault : error instanceof HttpSourceError || error instanceof CheckpointFileError ? "environment" : undefined;
      if (fault === undefined) throw error;
      // What a worker reads: one escaped, capped line, last on stderr, with whose fault it is.
      log(`log-run failed (${fault}): ${capText(strangerText(errorMessage(error), 8000).replace(/\s*\n\s*/g, " | "), 2000)}`);
      return fault === "environment" ? environmentExitCode : 1;
    }
    log(`log-run: ${index.modules.length} module calls traced via ${index.path} into ${options.out}`);
    out(JSON.stringify({ trace: options.out, runId: index.runId, path: index.path, modules: index.modules.length }, null, 2));
    return 0;
  },
});
