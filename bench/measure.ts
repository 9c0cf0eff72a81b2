// Running one timed child process: wall time, peak memory of its whole process tree (sampled from /proc),
// and, where GNU time is installed, the kernel's maxrss of the largest process in it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { procAvailable, sampleTree, type TreeMemory } from "./proc-tree.ts";

export const gnuTime = "/usr/bin/time";

/** The median: the middle value, or the mean of the two middle values of an even count. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of no values");
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface ChildRun {
  command: string[];
  exitCode: number;
  wallSeconds: number;
  memory?: TreeMemory;
  /** GNU time's %M (maxrss of the largest process of the tree), in bytes; absent without GNU time. */
  gnuTimeMaxRssBytes?: number;
  /** GNU time's %U + %S: CPU seconds of the process and the children it waited for; absent without GNU time. */
  cpuSeconds?: number;
  /** stdout and stderr together, as written to the log file. */
  output: string;
  /** Each complete output line with the milliseconds since the start at which it arrived. */
  lines: Array<[ms: number, line: string]>;
}

/** Splits a stream into lines, stamping each with the time its newline arrived. */
function collectLines(stream: NodeJS.ReadableStream, start: number, chunks: Buffer[], lines: Array<[number, string]>): void {
  const decoder = new StringDecoder("utf8"); // a chunk may end inside a multi-byte character
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    const parts = (partial + decoder.write(chunk)).split("\n");
    partial = parts.pop() ?? "";
    const ms = performance.now() - start;
    for (const line of parts) lines.push([ms, line]);
  });
}

export interface ChildOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Where the child's output is kept for a look after the run. */
  logFile: string;
}

export async function runChild(command: readonly string[], options: ChildOptions): Promise<ChildRun> {
  const timeFile = `${options.logFile}.maxrss`;
  const withTime = existsSync(gnuTime);
  const argv = withTime ? [gnuTime, "-f", "%M %U %S", "-o", timeFile, ...command] : [...command];
  await rm(timeFile, { force: true });
  const chunks: Buffer[] = [];
  const lines: Array<[number, string]> = [];
  const start = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  const sampler = procAvailable() && child.pid !== undefined ? sampleTree(child.pid, start) : undefined;
  collectLines(child.stdout, start, chunks, lines);
  collectLines(child.stderr, start, chunks, lines);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallSeconds = (performance.now() - start) / 1000;
  const memory = sampler?.stop();
  const output = Buffer.concat(chunks).toString("utf8");
  await writeFile(options.logFile, output);
  const run: ChildRun = { command: [...command], exitCode, wallSeconds, output, lines };
  if (memory) run.memory = memory;
  if (withTime && existsSync(timeFile)) {
    const figures = /^(\d+) ([\d.]+) ([\d.]+)$/m.exec(await readFile(timeFile, "utf8"));
    if (figures) {
      run.gnuTimeMaxRssBytes = Number(figures[1]) * 1024;
      run.cpuSeconds = Number(figures[2]) + Number(figures[3]);
    }
  }
  return run;
}

/** Wall time of an in-process async step, with the heap in use after it. */
export async function timeInProcess<T>(step: () => Promise<T>): Promise<{ value: T; seconds: number; heapUsedBytes: number }> {
  const start = performance.now();
  const value = await step();
  return { value, seconds: (performance.now() - start) / 1000, heapUsedBytes: process.memoryUsage().heapUsed };
}
