import { CliError, defineCommand } from "../cli/command.ts";
import { environmentOptions, environmentSettings, positiveNumber, resolveCheckpoint } from "./environment-options.ts";
import { asCliError } from "../cli/errors.ts";
import { InputShapeError } from "../traces/dummy-input.ts";
import { LogRunError, logRun } from "../traces/log-run.ts";

const dtypes = ["float32", "float16", "bfloat16", "float64"] as const;
const devices = ["cpu", "cuda", "mps"] as const;

export default defineCommand({
  name: "log-run",
  summary: "Run a checkpoint on deterministic dummy input and trace every module's output (for compare-runs).",
  description:
    "In a fresh environment with the checkpoint's requirements (as verify-unpickling), builds dummy input from the\nmetadata (input steps x grid points x input variables), generated on the CPU in float64 from --seed and then\ncast, so every platform gets the same input. With anemoi-inference installed in the environment it runs the\nmodel through anemoi-inference's SimpleRunner; otherwise it calls the model directly (predict_step when\npresent, else forward). A forward hook on every module records its outputs; the trace folder (index.json +\nfloat64 files; docs/traces.md) says which path was taken.",
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
    ...environmentOptions,
  },
  examples: ["npm run -s registry -- log-run model.ckpt --dtype float64 --out traces/cpu-f64 --offline --find-links wheels --system-site-packages"],
  async run({ options, positionals, out, log }) {
    const [target] = positionals as [string];
    const dtype = options.dtype as string;
    const device = options.device as string;
    if (!(dtypes as readonly string[]).includes(dtype)) throw new CliError(`--dtype must be one of ${dtypes.join(", ")}, got "${dtype}"`, 2);
    if (!(devices as readonly string[]).includes(device.replace(/:\d+$/, ""))) throw new CliError(`--device must be one of ${devices.join(", ")}, got "${device}"`, 2);
    const via = options.via as string;
    if (!["auto", "direct", "anemoi-inference"].includes(via)) throw new CliError(`--via must be auto, direct or anemoi-inference, got "${via}"`, 2);
    const seed = Number(options.seed);
    if (!Number.isSafeInteger(seed)) throw new CliError(`--seed must be an integer, got "${String(options.seed)}"`, 2);
    const env: Record<string, string> = {};
    for (const pair of (options.env as string[] | undefined) ?? []) {
      const at = pair.indexOf("=");
      if (at <= 0) throw new CliError(`--env takes NAME=VALUE, got "${pair}"`, 2);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
    try {
      const file = await resolveCheckpoint(target, options);
      const index = await logRun(file, {
        ...environmentSettings(options, log),
        device,
        dtype: dtype as (typeof dtypes)[number],
        seed,
        steps: positiveNumber("steps", options.steps)!,
        out: options.out as string,
        timeoutMs: positiveNumber("timeout", options.timeout)! * 1000,
        memoryLimitMiB: positiveNumber("memory-limit", options["memory-limit"]),
        sampleCount: positiveNumber("samples", options.samples)!,
        via: via as "auto" | "direct" | "anemoi-inference",
        env,
      });
      log(`log-run: ${index.modules.length} module calls traced via ${index.path} into ${options.out as string}`);
      out(JSON.stringify({ trace: options.out, runId: index.runId, path: index.path, modules: index.modules.length }, null, 2));
      return 0;
    } catch (error) {
      if (error instanceof LogRunError || error instanceof InputShapeError) throw new CliError(error.message);
      throw asCliError(error, target);
    }
  },
});
