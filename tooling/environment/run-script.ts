// The one way the registry runs a checkpoint's code: tooling/python/harness.py as the sandbox's first process
// (PID 1, never running any checkpoint code), which runs each step (a script of tooling/python/) as a child
// and reports on descriptor 3, a channel no child can write. What a child answers is kept apart from what the
// harness saw of it (exit status, signal, time, deadline, output), so that the host knows which facts a
// checkpoint could have forged. Used by verify-unpickling and log-run alike. The sandbox sees the environment
// (read-only), the scripts, the spec and what the caller names, and writes only its capped scratch; files a
// step leaves there reach the host only through descriptors the host opened.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { z } from "zod";
import { strangerText } from "../../src/text/control.ts";
import { jsonObject } from "../../src/text/json-object.ts";
import { pythonScript } from "../repo.ts";
import type { PythonEnvironment } from "./python-env.ts";
import { runSandboxed, type SandboxResult } from "./sandbox.ts";
import { errorMessage } from "../../src/errors.ts";

export interface Step {
  name: string;
  /** A script of tooling/python/ (or an absolute path, which the caller makes readable) and its arguments (the spec file is appended). */
  script: string;
  args?: readonly string[];
  /** Largest answer the step may give; a bigger one is no answer. */
  messageBytes?: number;
  /** Later steps run only when this one exits 0. */
  required?: boolean;
  /** Its own time limit; the run's by default. The harness kills the step at it and reports. */
  timeoutMs?: number;
}

export interface HarnessOptions {
  /** Each step's time limit (unless it has its own). */
  timeoutMs: number;
  memoryLimitMiB?: number | undefined;
  /** Extra environment variables for the steps (e.g. an attention backend). */
  env?: Record<string, string>;
  /** false only on the user's explicit --no-sandbox. */
  sandbox: boolean;
  /** What the steps read besides the environment, the scripts and the spec: the checkpoint. */
  readOnly: readonly string[];
  /** Files a step leaves in the scratch folder (a relative path there) and where the host keeps them. */
  outputs?: ReadonlyArray<{ scratchPath: string; file: string }>;
  /** Largest file copied out of the scratch. */
  outputBytes?: number;
}

const stageReport = z.object({
  name: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  seconds: z.number(),
  message: z.string().nullable(),
  messageTooLarge: z.boolean(),
  output: z.string(),
});
const harnessReport = z.object({
  harness: z.literal(1),
  stages: z.array(stageReport),
  outputs: z
    .array(z.object({ path: z.string(), bytes: z.number().int().nonnegative(), missing: z.string().optional(), tooLarge: z.boolean().optional() }))
    .optional(),
});

export type StageReport = z.output<typeof stageReport>;
export type HarnessReport = z.output<typeof harnessReport>;

export interface HarnessRun {
  run: SandboxResult;
  /** The harness's report; undefined when it gave none (the sandbox did not start, or was killed). */
  report: HarnessReport | undefined;
  /** Why there is no report, when there is none. */
  noReport?: string;
}

/** What the harness itself allows for: its own record per step, beside the answers. */
const reportOverheadBytes = 4 * 1024 * 1024;
/** The last bytes of each step's output the harness keeps. */
const tailBytes = 64 * 1024;
/** At a step's time limit the harness kills it and reports; the host kills the sandbox only after all of them and this. */
const hostGraceMs = 30_000;

export async function runHarness(env: PythonEnvironment, spec: unknown, steps: readonly Step[], options: HarnessOptions): Promise<HarnessRun> {
  // Readable by the sandbox's uid whatever the host's umask and mkdtemp's 0700.
  const work = await mkdtemp(join(tmpdir(), "fiab-harness-"));
  try {
    await chmod(work, 0o755);
    const specFile = join(work, "spec.json");
    await writeFile(specFile, JSON.stringify(spec), { mode: 0o644 });
    const python = [env.python, "-s", "-B"];
    const harnessSpec = {
      tailBytes,
      stages: steps.map((step) => ({
        name: step.name,
        argv: [...python, isAbsolute(step.script) ? step.script : pythonScript(step.script), ...(step.args ?? []), specFile],
        messageBytes: step.messageBytes ?? 1024 * 1024,
        required: step.required ?? false,
        timeout: (step.timeoutMs ?? options.timeoutMs) / 1000,
        env: options.env ?? {},
      })),
      outputs: (options.outputs ?? []).map((output, i) => ({ path: output.scratchPath, fd: 4 + i })),
      outputBytes: options.outputBytes ?? 1024 * 1024 * 1024,
    };
    const harnessFile = join(work, "harness.json");
    await writeFile(harnessFile, JSON.stringify(harnessSpec), { mode: 0o644 });
    const reportBytes = steps.reduce((sum, step) => sum + 2 * (step.messageBytes ?? 1024 * 1024) + 2 * tailBytes, reportOverheadBytes);
    const run = await runSandboxed([], {
      sandbox: options.sandbox,
      python: env.python,
      harnessSpec: harnessFile,
      env: { PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`, LANG: "C.UTF-8" },
      timeoutMs: steps.reduce((sum, step) => sum + (step.timeoutMs ?? options.timeoutMs), hostGraceMs),
      memoryLimitMiB: options.memoryLimitMiB,
      readOnly: [env.dir, ...env.readOnly, work, ...options.readOnly],
      writable: [],
      reportBytes,
      outputs: (options.outputs ?? []).map((output) => output.file),
    });
    return { run, ...readReport(run) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function readReport(run: SandboxResult): { report: HarnessReport | undefined; noReport?: string } {
  if (run.reportTooLarge) return { report: undefined, noReport: "the harness's report was over its cap" };
  if (!run.report || run.report.length === 0) {
    const why = run.timedOut
      ? "the sandbox was killed at the time limit"
      : `the sandbox ended (${run.signal ?? `exit ${run.exitCode}`}) without the harness's report`;
    const stderr = lastLines(run.stderr, 5);
    return { report: undefined, noReport: stderr ? `${why}: ${stderr}` : why };
  }
  try {
    const parsed = harnessReport.safeParse(JSON.parse(run.report.toString("utf8")));
    if (parsed.success) return { report: parsed.data };
    return { report: undefined, noReport: `the harness's report is not what it writes: ${parsed.error.issues[0]?.message}` };
  } catch (error) {
    return { report: undefined, noReport: `the harness's report is not JSON: ${errorMessage(error)}` };
  }
}

/** A step's answer: its message as JSON, or undefined when it gave none (or gave something that is not JSON). */
export function stepAnswer(stage: StageReport | undefined): Record<string, unknown> | undefined {
  if (!stage?.message) return undefined;
  try {
    return jsonObject(JSON.parse(stage.message));
  } catch {
    return undefined;
  }
}

/** The last `count` non-empty lines of a text, escaped. */
export function lastLines(text: string, count: number): string {
  return strangerText(
    text
      .trimEnd()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(-count)
      .join("\n"),
    4000,
  );
}

/**
 * A stranger's text at most `max` characters, escaped, keeping its end (the last lines say what went wrong):
 * cut on a line or code-point boundary and marked with "…" at the front.
 */
export function strangerTail(text: string, max: number): string {
  const escaped = strangerText(text, Number.MAX_SAFE_INTEGER);
  if (escaped.length <= max) return escaped;
  let start = escaped.length - (max - 1);
  const code = escaped.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start += 1; // do not split a surrogate pair
  const newline = escaped.indexOf("\n", start);
  if (newline !== -1 && newline < escaped.length - 1 && newline - start < max / 4) start = newline + 1;
  return `…${escaped.slice(start)}`;
}
