// Running an untrusted process (a checkpoint's code, pip running a package's build): under bubblewrap, with
// no network unless asked, the system read-only, a private /tmp, only the paths the caller names, and its own
// PID namespace, so that when the main process ends the namespace's init ends and the kernel kills every
// descendant, setsid or double-forked ones included. Inside it, a memory limit (prlimit --data); around it,
// a wall-clock limit that kills the whole sandbox. Without bubblewrap the caller may ask, explicitly, for the
// old confinement: a process group of its own, the same limits, and nothing else.
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { constants, totalmem } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { execa } from "execa";
import { RegistryError } from "../../src/errors.ts";

export interface SandboxOptions {
  /** false only on the user's explicit --no-sandbox: a process group and the limits, no bubblewrap. */
  sandbox: boolean;
  /** The working folder; it must be one of `writable` or `readOnly`. */
  cwd?: string;
  /** The process's whole environment (nothing else of ours is passed on). */
  env?: Record<string, string | undefined>;
  timeoutMs: number;
  memoryLimitMiB?: number | undefined;
  /** Files and folders the process may read, at the same paths; the system folders are always readable. */
  readOnly: readonly string[];
  /** Folders the process may write, at the same paths; everything else is read-only or absent. */
  writable: readonly string[];
  /** The host's network (pip needs its index); no network at all otherwise, not even the host's loopback. */
  network?: boolean;
}

export interface SandboxResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came (pip's log). */
  output: string;
  seconds: number;
  /** Process group id, for checking that nothing of it survives. */
  processGroup: number | undefined;
  memoryLimited: boolean;
  sandboxed: boolean;
}

export class SandboxError extends RegistryError {}

/**
 * The memory limit when none is given: three quarters of this machine's memory, so that a checkpoint
 * allocating without end fails alone instead of taking the machine with it. It limits the data segment
 * (RLIMIT_DATA: what the process allocates, writable mappings included), not the address space, because the
 * CUDA and MPS drivers reserve far more address space than any machine's memory, without using it.
 */
export const defaultMemoryLimitMiB = Math.floor((totalmem() * 0.75) / 1024 / 1024);

const prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].find((p) => existsSync(p));

/** The message when bubblewrap is missing: what to install, and the explicit way round it. */
export const bubblewrapMissing =
  "bubblewrap (bwrap) is not on PATH: the checkpoint's code and its package installation run only inside its sandbox. Install it (Debian/Ubuntu: apt-get install bubblewrap), or pass --no-sandbox to run with a process group and limits only";

export interface Bubblewrap {
  path: string;
  /** --disable-userns (bubblewrap 0.8): the sandbox cannot make user namespaces of its own. */
  disableUserns: boolean;
}

let found: Promise<Bubblewrap | string | undefined> | undefined;

/** The first file called `name` in a folder of PATH. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Runs bubblewrap once around `true`; its complaint when it cannot. */
async function probe(path: string, args: string[]): Promise<string | undefined> {
  const run = await execa(path, [...args, "--ro-bind", "/", "/", "--", "true"], { reject: false, timeout: 10_000, stdin: "ignore" });
  return run.exitCode === 0 ? undefined : String(run.stderr || run.message).trim().split("\n").slice(-1)[0];
}

/**
 * bubblewrap on PATH and what it can do here, found once per process: undefined when it is not on PATH, a
 * reason when it is but cannot make a sandbox (no user namespaces, say).
 */
export function findBubblewrap(): Promise<Bubblewrap | string | undefined> {
  found ??= (async () => {
    const path = findOnPath("bwrap");
    if (!path) return undefined;
    if ((await probe(path, ["--unshare-all", "--unshare-user", "--disable-userns"])) === undefined) return { path, disableUserns: true };
    const why = await probe(path, ["--unshare-all"]);
    return why === undefined ? { path, disableUserns: false } : `${path} cannot make a sandbox here (${why}); pass --no-sandbox to run with a process group and limits only`;
  })();
  return found;
}

/** Throws the install hint unless bubblewrap can be used; a caller that may run unsandboxed checks first. */
export async function requireBubblewrap(): Promise<Bubblewrap> {
  const bwrap = await findBubblewrap();
  if (bwrap === undefined) throw new SandboxError(bubblewrapMissing);
  if (typeof bwrap === "string") throw new SandboxError(bwrap);
  return bwrap;
}

/** The system, read-only: programs, libraries, configuration. A symlink (merged /usr) stays a symlink. */
const systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];
/** Hardware description, read-only, as flatpak gives it: torch reads the CPU topology, CUDA the PCI devices. */
const hardwarePaths = ["/sys/bus", "/sys/class", "/sys/dev", "/sys/devices"];

/** The folder of the resolver configuration when /etc/resolv.conf points out of /etc (systemd-resolved's /run/systemd/resolve), for the network. */
function resolverArgs(): string[] {
  try {
    const real = realpathSync("/etc/resolv.conf");
    return real.startsWith("/etc/") ? [] : ["--ro-bind", dirname(real), dirname(real)];
  } catch {
    return []; // no resolver configuration: names do not resolve, addresses still work
  }
}

function systemArgs(): string[] {
  const args: string[] = [];
  for (const path of systemPaths) {
    let link: string | undefined;
    try {
      link = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
    } catch {
      continue; // not on this system
    }
    args.push(...(link === undefined ? ["--ro-bind", path, path] : ["--symlink", link, path]));
  }
  return args;
}

/** GPU device nodes, so that --device cuda works inside; none on a machine without them. */
function gpuDeviceArgs(): string[] {
  let names: string[];
  try {
    names = readdirSync("/dev").filter((name) => /^nvidia/.test(name));
  } catch {
    return [];
  }
  return names.flatMap((name) => ["--dev-bind", `/dev/${name}`, `/dev/${name}`]);
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}

/** The bubblewrap command line around `command` (the limits already inside it). */
function bubblewrapArgs(bwrap: Bubblewrap, command: readonly string[], options: Omit<SandboxOptions, "sandbox" | "env" | "timeoutMs" | "memoryLimitMiB">): string[] {
  const args = ["--unshare-all", "--die-with-parent", "--new-session"];
  if (bwrap.disableUserns) args.push("--unshare-user", "--disable-userns");
  if (options.network) args.push("--share-net");
  // As root (a container), drop the capabilities bubblewrap would otherwise keep for the command.
  if (process.getuid?.() === 0) args.push("--cap-drop", "ALL");
  args.push(...systemArgs());
  for (const path of hardwarePaths) args.push("--ro-bind-try", path, path);
  if (options.network) args.push(...resolverArgs());
  args.push("--proc", "/proc", "--dev", "/dev", ...gpuDeviceArgs(), "--tmpfs", "/tmp");
  // Outer folders first, so that a path inside another is mounted over it with its own mode.
  const system = (path: string) => systemPaths.some((root) => path === root || path.startsWith(`${root}/`));
  const readOnly = options.readOnly.map((p) => resolve(p)).filter((p) => !system(p)); // already there, read-only
  const binds = [...readOnly.map((p) => ["--ro-bind", p] as const), ...options.writable.map((p) => ["--bind", resolve(p)] as const)].sort(
    (a, b) => depth(a[1]) - depth(b[1]),
  );
  for (const [mode, path] of binds) args.push(mode, path, path);
  // The sandbox's own root (where the mount points were made) read-only too: /tmp and the binds stay as they are.
  args.push("--remount-ro", "/");
  if (options.cwd) args.push("--chdir", resolve(options.cwd));
  return [...args, "--", ...command];
}

function limited(command: readonly string[], memoryLimitMiB: number | undefined): { argv: string[]; limited: boolean } {
  if (!memoryLimitMiB) return { argv: [...command], limited: false };
  const bytes = memoryLimitMiB * 1024 * 1024;
  if (prlimit) return { argv: [prlimit, `--data=${bytes}`, "--", ...command], limited: true };
  if (process.platform !== "win32") return { argv: ["/bin/sh", "-c", `ulimit -d ${memoryLimitMiB * 1024} && exec "$@"`, "sh", ...command], limited: true };
  return { argv: [...command], limited: false };
}

function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** bubblewrap exits 128+N when the command died of signal N: give that back as the signal. */
function signalOf(exitCode: number | undefined): string | undefined {
  if (exitCode === undefined || exitCode <= 128 || exitCode > 128 + 64) return undefined;
  return Object.entries(constants.signals).find(([, number]) => number === exitCode - 128)?.[0];
}

export async function runSandboxed(command: readonly string[], options: SandboxOptions): Promise<SandboxResult> {
  const { argv: inner, limited: memoryLimited } = limited(command, options.memoryLimitMiB);
  const bwrap = options.sandbox ? await requireBubblewrap() : undefined;
  // The limit goes inside the sandbox, on the command alone: bubblewrap itself stays outside any limit.
  const argv = bwrap ? [bwrap.path, ...bubblewrapArgs(bwrap, inner, options)] : inner;
  const started = performance.now();
  const child = execa(argv[0]!, argv.slice(1), {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    detached: true, // a new process group, led by the child (bubblewrap, or the command itself)
    reject: false,
    stdin: "ignore",
    all: true,
    maxBuffer: 16 * 1024 * 1024,
  });
  const pgid = child.pid;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // Under bubblewrap the group holds bubblewrap and the namespace's init; the init's death ends the rest.
    killGroup(pgid);
  }, options.timeoutMs);
  const result = await child;
  clearTimeout(timer);
  // Whatever the child left behind in its group goes too.
  killGroup(pgid);
  const signal = result.signal ?? (bwrap ? signalOf(result.exitCode) : undefined);
  return {
    exitCode: result.exitCode,
    signal,
    timedOut,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    output: String(result.all ?? ""),
    seconds: (performance.now() - started) / 1000,
    processGroup: pgid,
    memoryLimited,
    sandboxed: bwrap !== undefined,
  };
}
