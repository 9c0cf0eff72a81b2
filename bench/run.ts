// `npm run bench`: registry validation and static build at 1,000 and 10,000 entries (see docs/benchmarks.md).
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { validateEntries } from "../src/registry/validate.ts";
import { buildPhases } from "./build-phases.ts";
import { generateRegistry, workDir } from "./generate-registry.ts";
import { describeMachine, machine } from "./machine.ts";
import { runChild, timeInProcess, type ChildRun } from "./measure.ts";
import { parseBenchArgs, usage, UsageError } from "./options.ts";
import { outputSize } from "./output-size.ts";
import { checkTargets, markdownTable, phaseTable, type SizeResult } from "./report.ts";

const root = resolve(import.meta.dirname, "..");
const work = resolve(root, "bench/.work");
const astroBin = resolve(root, "node_modules/astro/bin/astro.mjs");
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

class StepFailed extends Error {}

function mustSucceed(step: string, run: ChildRun, logFile: string): ChildRun {
  if (run.exitCode === 0) return run;
  const tail = run.output.split("\n").slice(-30).join("\n");
  throw new StepFailed(`${step} exited ${run.exitCode} (full output in ${logFile}):\n${tail}`);
}

/** A tree's peak is at least its largest process's exact peak (VmHWM, GNU time), which a 100 ms sample may miss. */
function peakRss(run: ChildRun): number | undefined {
  const figures = [run.memory?.peakTreeRssBytes, run.memory?.peakProcessHwmBytes, run.gnuTimeMaxRssBytes].filter((n) => n !== undefined);
  return figures.length > 0 ? Math.max(...figures) : undefined;
}

async function benchSize(size: number): Promise<SizeResult> {
  const dir = workDir(work, size);
  log(`${size}: generating ${dir.entries}`);
  const { bytes } = await generateRegistry(resolve(root, "entries"), dir.entries, size);

  log(`${size}: validate (CLI)`);
  const cliLog = resolve(dir.base, "validate.log");
  // The command as `npm run registry` runs it: the bundle, made fresh here, with its compile cache filled by an
  // untimed first run (through the TypeScript sources it starts more slowly than a user's command).
  execFileSync(process.execPath, ["tooling/bundle.mjs"], { cwd: root, stdio: "ignore" });
  const validate = [process.execPath, "tooling/registry.mjs", "validate", "--entries", dir.entries, "--quiet"];
  mustSucceed("validate", await runChild(validate, { cwd: root, logFile: cliLog }), cliLog);
  const cli = mustSucceed("validate", await runChild(validate, { cwd: root, logFile: cliLog }), cliLog);

  log(`${size}: ajv on the published schema (the yardstick)`);
  const ajvLog = resolve(dir.base, "ajv.log");
  const ajv = mustSucceed("ajv", await runChild([process.execPath, "bench/ajv-validate.mjs", dir.entries], { cwd: root, logFile: ajvLog }), ajvLog);

  log(`${size}: validate (in process)`);
  const inProcess = await timeInProcess(() => validateEntries(dir.entries));
  if (inProcess.value.problems.length > 0 || inProcess.value.entries.length !== size) {
    throw new StepFailed(`validateEntries(${dir.entries}): ${inProcess.value.entries.length} valid of ${size}, ${inProcess.value.problems.length} problems`);
  }

  log(`${size}: astro build`);
  await rm(dir.dist, { recursive: true, force: true }); // so the output sizes are this build's alone
  const buildLog = resolve(dir.base, "build.log");
  const env = { ...process.env, REGISTRY_ENTRIES: dir.entries };
  const build = mustSucceed(
    "astro build",
    await runChild([process.execPath, astroBin, "build", "--outDir", dir.dist], { cwd: root, env, logFile: buildLog }),
    buildLog,
  );

  const result: SizeResult = {
    size,
    entriesBytes: bytes,
    validate: { cliSeconds: cli.wallSeconds, inProcessSeconds: inProcess.seconds, ajvSeconds: ajv.wallSeconds },
    build: { seconds: build.wallSeconds, phases: buildPhases(build.lines, build.wallSeconds, build.memory?.timeline) },
    output: await outputSize(dir.dist),
  };
  const cliPeak = peakRss(cli);
  if (cliPeak !== undefined) result.validate.cliPeakRssBytes = cliPeak;
  const buildPeak = peakRss(build);
  if (buildPeak !== undefined) result.build.peakTreeRssBytes = buildPeak;
  if (build.gnuTimeMaxRssBytes !== undefined) result.build.maxProcessRssBytes = build.gnuTimeMaxRssBytes;
  if (build.memory) result.build.peakProcesses = build.memory.peakProcesses;
  log(`${size}: validate ${cli.wallSeconds.toFixed(2)} s, build ${build.wallSeconds.toFixed(1)} s`);
  return result;
}

async function main(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const results: SizeResult[] = [];
  for (const size of options.sizes) results.push(await benchSize(size));
  const on = machine(root);
  if (options.json) process.stdout.write(`${JSON.stringify({ machine: on, results, targets: checkTargets(results) }, null, 2)}\n`);
  else process.stdout.write(`${markdownTable(results)}\n${phaseTable(results)}\nMeasured on ${describeMachine(on)}; one run each, not averaged.\n`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    log(error.message);
    process.stderr.write(usage);
    process.exitCode = 2;
  } else {
    log(error instanceof StepFailed ? error.message : String((error as Error).stack ?? error));
    process.exitCode = 1;
  }
}
