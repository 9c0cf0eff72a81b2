// The tests' short scripts that use torch, run as `python3 ARGS` would run them, but forked from one Python of
// this Vitest worker that has imported torch already (tests/support/torch_forkserver.py): each script still runs in
// a process of its own, without paying torch's import (about a second of CPU) again.
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "./paths.ts";

/** Debian's Python, with Debian's torch. */
export const torchPython = "/usr/bin/python3";

export interface TorchRunOptions {
  input?: string | Buffer;
  cwd?: string;
  /** Added to this process's environment, as execa does. */
  env?: Record<string, string>;
  timeout?: number;
  /** false: a non-zero exit is an answer, not an error (as execa's reject). */
  reject?: boolean;
}

export interface TorchRun {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  signal: string | undefined;
}

interface Waiting {
  started(pid: number): void;
  ended(status: number): void;
}

let server: { child: ChildProcess; waiting: Map<number, Waiting> } | undefined;
let nextId = 0;

function startServer() {
  const child = spawn(torchPython, [join(repoRoot, "tests", "support", "torch_forkserver.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting = new Map<number, Waiting>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const message = JSON.parse(line) as { id: number; pid?: number; status?: number };
    const entry = waiting.get(message.id);
    if (!entry) return;
    if (message.pid !== undefined) entry.started(message.pid);
    if (message.status !== undefined) {
      waiting.delete(message.id);
      entry.ended(message.status);
    }
  });
  child.on("exit", () => {
    for (const entry of waiting.values()) entry.ended(-1);
    waiting.clear();
    server = undefined;
  });
  // The server ends when its stdin closes, which it does when this process ends, however it ends: it keeps this
  // process alive only while a script runs (see `hold`).
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  return { child, waiting };
}

/** Keeps this process alive while the server has scripts to answer for, as a child process of its own would. */
function hold(child: ChildProcess, waiting: Map<number, Waiting>) {
  const stdout = child.stdout as unknown as { ref(): void; unref(): void };
  if (waiting.size > 0) stdout.ref();
  else stdout.unref();
}

const signalName = (number: number) => Object.entries(constants.signals).find(([, n]) => n === number)?.[0];

/** `python3 ...args` with torch already imported; stdout and stderr as text, like execa's. */
export async function runTorchPython(args: string[], options: TorchRunOptions = {}): Promise<TorchRun> {
  server ??= startServer();
  const { child, waiting } = server;
  const dir = await mkdtemp(join(tmpdir(), "torch-run-"));
  try {
    const files = { stdin: join(dir, "stdin"), stdout: join(dir, "stdout"), stderr: join(dir, "stderr") };
    await Promise.all([writeFile(files.stdin, options.input ?? ""), writeFile(files.stdout, ""), writeFile(files.stderr, "")]);
    const id = nextId++;
    let timer: NodeJS.Timeout | undefined;
    const status = await new Promise<number>((resolve) => {
      waiting.set(id, {
        started: (pid) => {
          if (options.timeout) timer = setTimeout(() => process.kill(pid, "SIGKILL"), options.timeout);
        },
        ended: resolve,
      });
      hold(child, waiting);
      const env = { ...(process.env as Record<string, string>), ...options.env };
      child.stdin!.write(`${JSON.stringify({ id, args, cwd: options.cwd ?? process.cwd(), env, ...files })}\n`);
    });
    clearTimeout(timer);
    hold(child, waiting);
    const [stdout, stderr] = await Promise.all([readFile(files.stdout, "utf8"), readFile(files.stderr, "utf8")]);
    const strip = (text: string) => text.replace(/\n$/, "");
    const signalled = status !== -1 && (status & 0x7f) !== 0;
    const run: TorchRun = {
      stdout: strip(stdout),
      stderr: strip(stderr),
      exitCode: status === -1 || signalled ? undefined : status >> 8,
      signal: signalled ? signalName(status & 0x7f) : undefined,
    };
    if (options.reject !== false && run.exitCode !== 0)
      throw Object.assign(new Error(`python3 ${args.slice(0, 2).join(" ")} failed (${run.signal ?? `exit ${run.exitCode}`}): ${run.stderr.slice(-2000)}`), run);
    return run;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
