// Running an untrusted Python process: its own process group (so everything it starts can be killed at
// once), a wall-clock limit, and an address-space limit (prlimit, else the shell's ulimit).
import { existsSync } from "node:fs";
import { execa } from "execa";

export interface SandboxOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs: number;
  memoryLimitMiB?: number;
}

export interface SandboxResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Process group id, for checking that nothing of it survives. */
  processGroup: number | undefined;
  memoryLimited: boolean;
}

const prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].find((p) => existsSync(p));

function limited(command: string[], memoryLimitMiB: number | undefined): { argv: string[]; limited: boolean } {
  if (!memoryLimitMiB) return { argv: command, limited: false };
  const bytes = memoryLimitMiB * 1024 * 1024;
  if (prlimit) return { argv: [prlimit, `--as=${bytes}`, "--", ...command], limited: true };
  if (process.platform !== "win32") return { argv: ["/bin/sh", "-c", `ulimit -v ${memoryLimitMiB * 1024} && exec "$@"`, "sh", ...command], limited: true };
  return { argv: command, limited: false };
}

function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

export async function runSandboxed(command: string[], options: SandboxOptions): Promise<SandboxResult> {
  const { argv, limited: memoryLimited } = limited(command, options.memoryLimitMiB);
  const started = performance.now();
  const child = execa(argv[0]!, argv.slice(1), {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    detached: true, // a new process group, led by the child
    reject: false,
    stdin: "ignore",
    maxBuffer: 16 * 1024 * 1024,
  });
  const pgid = child.pid;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(pgid);
  }, options.timeoutMs);
  const result = await child;
  clearTimeout(timer);
  // Whatever the child left behind in its group goes too.
  killGroup(pgid);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    seconds: (performance.now() - started) / 1000,
    processGroup: pgid,
    memoryLimited,
  };
}
