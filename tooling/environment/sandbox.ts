// Running an untrusted process (a checkpoint's code, pip running a package's build) under bubblewrap, with
// nothing worth reading and nothing to exhaust:
// - an unprivileged uid (65534) in a user namespace of its own, which cannot make further namespaces. When the
//   registry runs as root, a uid mapped in a user namespace is still root to the kernel (every root-owned file
//   readable, no process limit at all), so there a privileged bubblewrap builds the file system and setpriv
//   hands the sandbox to the real uid 65534, whose processes then each enter a user namespace of their own;
// - a minimal /etc (passwd, group and hosts written here; resolv.conf with the network; a short list of
//   system files programs need, etcArgs), no home, the system read-only, only the paths the caller names;
// - the scratch folder (/tmp, the working folder and HOME) and /dev/shm as size-capped tmpfs, counted against
//   the memory limit: the data segment gets what they do not;
// - a process-count limit, no core dumps, and no network unless asked;
// - tooling/python/harness.py as PID 1 of the sandbox's PID namespace, not dumpable: nothing inside can trace,
//   stop or kill it; it runs the command as its child and, when that child ends, kills everything else, and
//   when it ends the kernel kills whatever is left, stopped, traced or daemonised: nothing holds the run open.
//   The wall-clock limit kills it from outside.
// A caller may read a report from descriptor 3 and give the harness files to write through descriptors 4, 5...,
// opened here: channels the rest of the sandbox cannot reach. Without bubblewrap the caller may ask,
// explicitly, for the old confinement: a process group of its own and the limits.
import { spawn } from "node:child_process";
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { chown, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { constants, tmpdir, totalmem } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { execa } from "execa";
import { RegistryError } from "../../src/errors.ts";
import { pythonScript } from "../repo.ts";

export interface SandboxOptions {
  /** false only on the user's explicit --no-sandbox: a process group and the limits, no bubblewrap. */
  sandbox: boolean;
  /** The process's whole environment (nothing else of ours is passed on); HOME and TMPDIR default to the scratch. */
  env?: Record<string, string | undefined>;
  timeoutMs: number;
  /** Everything the sandbox may hold in memory: its data segment, its scratch and its /dev/shm together. */
  memoryLimitMiB?: number | undefined;
  /** Files and folders the process may read, at the same paths; the system folders are always readable. */
  readOnly: readonly string[];
  /** Host folders the process may write, at the same paths (pip's environment). */
  writable: readonly string[];
  /** The host's network (pip needs its index); no network at all otherwise, not even the host's loopback. */
  network?: boolean;
  /** The package installers' configuration in /etc (pip.conf, uv.toml: a site's own index); only for pip. */
  installerConfiguration?: boolean;
  /** Read the command's report from its descriptor 3, up to this many bytes. */
  reportBytes?: number;
  /** Host files the command writes through its descriptors 4, 5, ... (created here; never mounted inside). */
  outputs?: readonly string[];
  /** The Python that runs the harness (`python -I -S`: its standard library only); the system's by default. */
  python?: string;
  /** Run the harness's steps (a spec file of tooling/python/harness.py) instead of a plain command. */
  harnessSpec?: string;
}

export interface SandboxLimits {
  /** RLIMIT_DATA of every process, MiB. */
  dataMiB: number | undefined;
  /** The scratch folder (/tmp) and /dev/shm, MiB. */
  scratchMiB: number | undefined;
  shmMiB: number | undefined;
  /** RLIMIT_NPROC: processes and threads of the sandbox's uid in its user namespace. */
  processes: number | undefined;
}

export interface SandboxResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  /** The last bytes of each (up to 4 MiB), as text. */
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came (pip's log). */
  output: string;
  /** What the command wrote on descriptor 3, when a report was asked for; undefined when it was over the cap. */
  report?: Buffer | undefined;
  reportTooLarge?: boolean;
  seconds: number;
  /** Process group id, for checking that nothing of it survives. */
  processGroup: number | undefined;
  memoryLimited: boolean;
  limits: SandboxLimits;
  sandboxed: boolean;
  /** The uid the command ran as, to the kernel (the host's): 65534 under root, the user's own otherwise. */
  hostUid: number | undefined;
}

export class SandboxError extends RegistryError {}

/**
 * The memory limit when none is given: three quarters of this machine's memory, so that a checkpoint
 * allocating without end fails alone instead of taking the machine with it. It limits the data segment
 * (RLIMIT_DATA: what the process allocates, writable mappings included), not the address space, because the
 * CUDA and MPS drivers reserve far more address space than any machine's memory, without using it.
 */
export const defaultMemoryLimitMiB = Math.floor((totalmem() * 0.75) / 1024 / 1024);

/** The uid (and gid) a sandboxed process has, inside its user namespace and, under root, to the kernel. */
export const sandboxUid = 65534;

/**
 * Processes and threads the sandbox may have at once. A model's process runs a thread per core for torch and
 * as many for its data loading; 1,024 leaves that room on any machine and stops a fork bomb long before the host
 * notices. Counted per uid in the sandbox's own user namespace, so the host's processes do not count.
 */
export const sandboxProcessLimit = 1024;

/** The scratch folder's share of the memory limit; /dev/shm gets a sixteenth, at most 256 MiB. */
const scratchShare = 1 / 8;

export function sandboxLimits(memoryLimitMiB: number | undefined, sandboxed: boolean): SandboxLimits {
  if (!memoryLimitMiB)
    return {
      dataMiB: undefined,
      scratchMiB: sandboxed ? 1024 : undefined,
      shmMiB: sandboxed ? 64 : undefined,
      processes: sandboxed ? sandboxProcessLimit : undefined,
    };
  if (!sandboxed) return { dataMiB: memoryLimitMiB, scratchMiB: undefined, shmMiB: undefined, processes: undefined };
  const scratchMiB = Math.max(16, Math.floor(memoryLimitMiB * scratchShare));
  const shmMiB = Math.max(8, Math.min(256, Math.floor(memoryLimitMiB / 16)));
  return { dataMiB: Math.max(64, memoryLimitMiB - scratchMiB - shmMiB), scratchMiB, shmMiB, processes: sandboxProcessLimit };
}

const prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].find((p) => existsSync(p));

/** The message when bubblewrap is missing: what to install, and the explicit way round it. */
export const bubblewrapMissing =
  "bubblewrap (bwrap) is not on PATH: the checkpoint's code and its package installation run only inside its sandbox. Install it (Debian/Ubuntu: apt-get install bubblewrap), or pass --no-sandbox to run with a process group and limits only";

export interface Bubblewrap {
  path: string;
  /** --disable-userns (bubblewrap 0.8): the sandbox cannot make user namespaces of its own. */
  disableUserns: boolean;
  /** Under root: setpriv, which hands the sandbox from the privileged bubblewrap to the unprivileged uid. */
  setpriv?: string;
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

const isRoot = () => process.getuid?.() === 0;

/** Runs `argv` once; bubblewrap's complaint when it cannot. */
async function probe(argv: string[]): Promise<string | undefined> {
  const run = await execa(argv[0]!, argv.slice(1), { reject: false, timeout: 10_000, stdin: "ignore" });
  return run.exitCode === 0
    ? undefined
    : String(run.stderr || run.message)
        .trim()
        .split("\n")
        .slice(-1)[0];
}

/**
 * bubblewrap on PATH and what it can do here, found once per process: undefined when it is not on PATH, a
 * reason when it is but cannot make a sandbox (no user namespaces, say; under root, no setpriv).
 */
export function findBubblewrap(): Promise<Bubblewrap | string | undefined> {
  found ??= (async () => {
    const path = findOnPath("bwrap");
    if (!path) return undefined;
    const system = systemArgs();
    const disableUserns = (await probe([path, "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--", "true"])) === undefined;
    const userns = ["--unshare-user", ...(disableUserns ? ["--disable-userns"] : []), "--uid", String(sandboxUid), "--gid", String(sandboxUid)];
    if (isRoot()) {
      const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p)) ?? findOnPath("setpriv");
      if (!setpriv)
        return `the registry runs as root, and its sandbox then needs setpriv (util-linux) to run as uid ${sandboxUid}: install it, run as an unprivileged user, or pass --no-sandbox`;
      // setpriv to the uid, and that uid making a user namespace (what the harness does for every process it starts).
      const why = await probe([
        path,
        ...rootOuter(false),
        ...system,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--",
        setpriv,
        ...dropTo(),
        path,
        "--unshare-user",
        "--ro-bind",
        "/",
        "/",
        "--",
        "true",
      ]);
      return why === undefined
        ? { path, disableUserns, setpriv }
        : `${path} cannot make a sandbox here as root (${why}); pass --no-sandbox to run with a process group and limits only`;
    }
    const why = await probe([path, "--unshare-all", ...userns, ...system, "--proc", "/proc", "--dev", "/dev", "--", "true"]);
    return why === undefined
      ? { path, disableUserns }
      : `${path} cannot make a sandbox here (${why}); pass --no-sandbox to run with a process group and limits only`;
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

/** The system, read-only: programs and libraries. A symlink (merged /usr) stays a symlink. */
const systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** Hardware description, read-only, as flatpak gives it: torch reads the CPU topology, CUDA the PCI devices. */
const hardwarePaths = ["/sys/bus", "/sys/class", "/sys/dev", "/sys/devices"];

/**
 * What of the host's /etc a sandbox sees, file by file; nothing else (no shadow, no keys, no site
 * configuration): the dynamic linker's cache (libraries outside the default folders: CUDA, BLAS), the
 * alternatives symlinks through which Debian's BLAS and LAPACK are found, public CA certificates and OpenSSL's
 * configuration (pip with the network), the time zone, the OS description (pip's user agent, platform
 * checks), and Python's own configuration folders on Debian (sitecustomize).
 */
const etcFiles = [
  "/etc/ld.so.cache",
  "/etc/alternatives",
  "/etc/ssl/certs",
  "/etc/ssl/openssl.cnf",
  "/etc/pki/tls/certs",
  "/etc/pki/ca-trust/extracted",
  "/etc/localtime",
  "/etc/os-release",
];
/** The installers' configuration (a site's own index): pip and uv only, never while a checkpoint loads. */
const installerEtcFiles = ["/etc/pip.conf", "/etc/xdg/pip", "/etc/uv"];

/** passwd, group and hosts of the sandbox: root, the sandbox's user and localhost; nothing of the host's. */
async function writeEtc(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(join(dir, "passwd"), `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${sandboxUid}:${sandboxUid}:sandbox:/tmp:/usr/sbin/nologin\n`, {
    mode: 0o644,
  });
  await writeFile(join(dir, "group"), `root:x:0:\nsandbox:x:${sandboxUid}:\n`, { mode: 0o644 });
  await writeFile(join(dir, "hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost\n", { mode: 0o644 });
}

function etcArgs(written: string, options: Pick<SandboxOptions, "network" | "installerConfiguration">): string[] {
  const args = ["--perms", "0755", "--dir", "/etc"];
  for (const name of ["passwd", "group", "hosts"]) args.push("--ro-bind", join(written, name), `/etc/${name}`);
  const files = [...etcFiles, ...(options.installerConfiguration ? installerEtcFiles : [])];
  try {
    // Debian's /usr/lib/python3.X/sitecustomize.py is a symlink into /etc/python3.X.
    files.push(
      ...readdirSync("/etc")
        .filter((name) => /^python3(\.\d+)?$/.test(name))
        .map((name) => `/etc/${name}`),
    );
  } catch {
    // no /etc to read
  }
  for (const path of files) args.push("--ro-bind-try", path, path);
  if (options.network) {
    try {
      // The resolver's configuration, wherever /etc/resolv.conf points (systemd-resolved's /run/systemd/resolve).
      args.push("--ro-bind", realpathSync("/etc/resolv.conf"), "/etc/resolv.conf");
    } catch {
      // no resolver configuration: names do not resolve, addresses still work
    }
  }
  return args;
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

const underSystem = (path: string) => systemPaths.some((root) => path === root || path.startsWith(`${root}/`));

/**
 * The sandbox's file system: the system, its /etc, the hardware description, /proc and a /dev whose only
 * writable part is a capped /dev/shm, the capped scratch at /tmp, and the caller's paths; all read-only but
 * the scratch, /dev/shm and `writable`.
 */
function fileSystemArgs(options: SandboxOptions, etc: string, limits: SandboxLimits): string[] {
  const mib = (n: number | undefined) => String((n ?? 64) * 1024 * 1024);
  const args = [...systemArgs(), ...etcArgs(etc, options)];
  for (const path of hardwarePaths) args.push("--ro-bind-try", path, path);
  args.push("--proc", "/proc", "--dev", "/dev", ...gpuDeviceArgs());
  args.push("--perms", "1777", "--size", mib(limits.shmMiB), "--tmpfs", "/dev/shm", "--remount-ro", "/dev");
  args.push("--perms", "1777", "--size", mib(limits.scratchMiB), "--tmpfs", "/tmp");
  // Outer folders first, so that a path inside another is mounted over it with its own mode; the folders
  // leading to them made here, traversable by the sandbox's uid whatever the host's modes are.
  const readOnly = options.readOnly.map((p) => resolve(p)).filter((p) => !underSystem(p)); // already there, read-only
  const binds = [...readOnly.map((p) => ["--ro-bind", p] as const), ...options.writable.map((p) => ["--bind", resolve(p)] as const)].sort(
    (a, b) => depth(a[1]) - depth(b[1]),
  );
  const made = new Set<string>(["/", "/tmp", "/etc", "/dev", "/proc", "/sys", ...systemPaths, ...binds.map(([, p]) => p)]);
  for (const [, path] of binds) {
    const parents: string[] = [];
    for (let parent = dirname(path); !made.has(parent) && parent !== dirname(parent); parent = dirname(parent)) parents.unshift(parent);
    for (const parent of parents) {
      if (hardwarePaths.some((root) => parent === root || parent.startsWith(`${root}/`))) continue;
      made.add(parent);
      args.push("--perms", "0755", "--dir", parent);
    }
  }
  for (const [mode, path] of binds) args.push(mode, path, path);
  // The sandbox's own root (where the mount points were made) read-only too: /tmp and the binds stay as they are.
  args.push("--remount-ro", "/", "--chdir", "/tmp");
  return args;
}

/** The privileged bubblewrap under root: every namespace but the user's, and only the capabilities setpriv needs. */
function rootOuter(network: boolean): string[] {
  return [
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    "--cap-drop",
    "ALL",
    "--cap-add",
    "CAP_SETUID",
    "--cap-add",
    "CAP_SETGID",
  ];
}

/** setpriv's hand-over to the unprivileged uid: real, effective and saved ids, no supplementary groups. */
function dropTo(): string[] {
  return [`--reuid=${sandboxUid}`, `--regid=${sandboxUid}`, "--clear-groups", "--"];
}

/** bubblewrap's command line around `command` (the harness, already limited); `infoFd`: where it says the pid of its first process. */
function bubblewrapArgv(bwrap: Bubblewrap, command: readonly string[], options: SandboxOptions, etc: string, limits: SandboxLimits, infoFd: number): string[] {
  const files = fileSystemArgs(options, etc, limits);
  const start = [bwrap.path, "--info-fd", String(infoFd), "--as-pid-1", "--new-session"];
  if (bwrap.setpriv) return [...start, ...rootOuter(options.network ?? false), ...files, "--", bwrap.setpriv, ...dropTo(), ...command];
  const userns = ["--unshare-user", ...(bwrap.disableUserns ? ["--disable-userns"] : []), "--uid", String(sandboxUid), "--gid", String(sandboxUid)];
  return [...start, "--unshare-all", ...(options.network ? ["--share-net"] : []), ...userns, "--die-with-parent", ...files, "--", ...command];
}

/** The interpreter for the harness when the caller has none: the system's Python 3. */
function systemPython(): string {
  const found = ["/usr/bin/python3", "/bin/python3"].find((p) => existsSync(p)) ?? findOnPath("python3");
  if (!found) throw new SandboxError("no python3 on this machine: the sandbox's first process (tooling/python/harness.py) is a Python script");
  return realpathSync(found);
}

/**
 * The sandbox's first process: the harness, around the command (exec) or running its steps (stages). Under
 * root the harness gives every process it starts a user namespace and the process limit itself, since the
 * kernel counts processes per uid in a user namespace and the harness, started by setpriv, is in none.
 */
function harnessArgv(command: readonly string[], options: SandboxOptions, root: boolean, limits: SandboxLimits): string[] {
  const argv = [options.python ?? systemPython(), "-I", "-S", "-B", pythonScript("harness.py")];
  if (root && limits.processes) argv.push(`--userns-nproc=${limits.processes}`);
  return options.harnessSpec !== undefined ? [...argv, "stages", options.harnessSpec] : [...argv, "exec", "--", ...command];
}

/** The limits every process inherits: data segment, no core dumps, and (but under root, see harnessArgv) processes. */
function limited(command: readonly string[], limits: SandboxLimits, root: boolean): { argv: string[]; limited: boolean } {
  if (!limits.dataMiB && !limits.processes) return { argv: [...command], limited: false };
  if (prlimit) {
    const flags = [
      ...(limits.dataMiB ? [`--data=${limits.dataMiB * 1024 * 1024}`] : []),
      ...(limits.processes && !root ? [`--nproc=${limits.processes}`] : []),
      "--core=0",
    ];
    return { argv: [prlimit, ...flags, "--", ...command], limited: limits.dataMiB !== undefined };
  }
  if (process.platform !== "win32" && limits.dataMiB)
    return { argv: ["/bin/sh", "-c", `ulimit -d ${limits.dataMiB * 1024} && ulimit -c 0 && exec "$@"`, "sh", ...command], limited: true };
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

/** Hands a folder and everything in it to the sandbox's uid (under root), so that the sandbox can write it. */
async function handOver(path: string): Promise<void> {
  const info = await lstat(path);
  await chown(path, sandboxUid, sandboxUid);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await handOver(child);
    else await chown(child, sandboxUid, sandboxUid).catch(() => undefined); // a dangling symlink's target is nobody's
  }
}

/** Whether the sandbox's uid may read `path` itself (under root its folders are made traversable, not the path). */
function readableBySandbox(path: string): boolean {
  const info = statSync(path);
  const need = info.isDirectory() ? 0o5 : 0o4;
  if (info.uid === sandboxUid) return ((info.mode >> 6) & need) === need;
  if (info.gid === sandboxUid) return ((info.mode >> 3) & need) === need;
  return (info.mode & need) === need;
}

/** The last `max` bytes of what a stream gave. */
class Tail {
  #chunks: Buffer[] = [];
  #bytes = 0;
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes - this.#chunks[0]!.length >= this.#max) this.#bytes -= this.#chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.#max)).toString("utf8");
  }
}

const streamTail = 4 * 1024 * 1024;

export async function runSandboxed(command: readonly string[], options: SandboxOptions): Promise<SandboxResult> {
  const bwrap = options.sandbox ? await requireBubblewrap() : undefined;
  const limits = sandboxLimits(options.memoryLimitMiB, bwrap !== undefined);
  const root = bwrap?.setpriv !== undefined;
  // Unsandboxed, a plain command runs as it is; the harness's steps need the harness there too.
  const started = bwrap || options.harnessSpec !== undefined ? harnessArgv(command, options, root, limits) : command;
  const { argv: inner, limited: memoryLimited } = limited(started, limits, root);
  // The run's own host folder: the sandbox's generated /etc files, or, unsandboxed, its scratch.
  const run = await mkdtemp(join(tmpdir(), "fiab-sandbox-"));
  const scratch = bwrap ? "/tmp" : join(run, "scratch");
  const outputs: number[] = [];
  try {
    if (bwrap) await writeEtc(join(run, "etc"));
    else await mkdir(scratch);
    if (bwrap?.setpriv) {
      for (const path of options.writable) await handOver(resolve(path));
      const unreadable = options.readOnly.map((p) => resolve(p)).filter((p) => existsSync(p) && !readableBySandbox(p));
      if (unreadable.length > 0) {
        throw new SandboxError(
          `${unreadable.join(", ")}: not readable by uid ${sandboxUid}, which the sandbox runs as when the registry runs as root; make it readable by every user (chmod o+r), or run the registry as an unprivileged user`,
        );
      }
    }
    for (const path of options.outputs ?? []) outputs.push(openSync(path, "w", 0o644));
    const channels: Array<"pipe" | "ignore" | number> =
      options.reportBytes !== undefined || outputs.length > 0 ? [options.reportBytes !== undefined ? "pipe" : "ignore", ...outputs] : [];
    const infoFd = 3 + channels.length;
    if (bwrap) channels.push("pipe");
    const visible = { ...options, readOnly: [...options.readOnly, dirname(pythonScript("harness.py"))] };
    const argv = bwrap ? bubblewrapArgv(bwrap, inner, visible, join(run, "etc"), limits, infoFd) : inner;
    const startedAt = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: bwrap ? run : scratch,
      env: { HOME: scratch, TMPDIR: scratch, ...options.env },
      detached: true, // a new process group, led by the child (bubblewrap, or the command itself)
      stdio: ["ignore", "pipe", "pipe", ...channels],
    });
    const pgid = child.pid;
    // The pid of the sandbox's first process (its PID namespace's init), from bubblewrap's --info-fd.
    let sandboxPid: number | undefined;
    const info = bwrap ? (child.stdio[infoFd] as NodeJS.ReadableStream | null) : null;
    let infoText = "";
    info?.on("data", (chunk: Buffer) => {
      infoText += chunk.toString("utf8");
      const pid = /"child-pid"\s*:\s*(\d+)/.exec(infoText.slice(0, 4096))?.[1];
      if (pid !== undefined) sandboxPid ??= Number(pid);
    });
    const stdout = new Tail(streamTail);
    const stderr = new Tail(streamTail);
    const output = new Tail(streamTail);
    child.stdout!.on("data", (chunk: Buffer) => (stdout.push(chunk), output.push(chunk)));
    child.stderr!.on("data", (chunk: Buffer) => (stderr.push(chunk), output.push(chunk)));
    const report: Buffer[] = [];
    let reportBytes = 0;
    let reportTooLarge = false;
    const reportStream = options.reportBytes !== undefined ? (child.stdio[3] as NodeJS.ReadableStream | null) : null;
    reportStream?.on("data", (chunk: Buffer) => {
      if (reportTooLarge) return;
      reportBytes += chunk.length;
      if (reportBytes > options.reportBytes!) {
        reportTooLarge = true;
        report.length = 0;
      } else report.push(chunk);
    });
    let timedOut = false;
    let fallback: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      // The sandbox's init first: its death takes the PID namespace and everything in it, and bubblewrap, its
      // parent, then reaps it and exits (killing bubblewrap first would leave the init to the host's PID 1).
      if (sandboxPid !== undefined) {
        try {
          process.kill(sandboxPid, "SIGKILL");
        } catch {
          // already gone
        }
        fallback = setTimeout(() => killGroup(pgid), 2000);
      } else killGroup(pgid);
    }, options.timeoutMs);
    const closed = new Promise<void>((done) => child.once("close", () => done()));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
      child.once("error", (error) => done({ code: null, signal: null, error }));
      child.once("exit", (code, signal) => done({ code, signal }));
    });
    clearTimeout(timer);
    clearTimeout(fallback);
    // Whatever the child left behind in its group goes too; its pipes are then read to their end, briefly.
    killGroup(pgid);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((done) => (grace = setTimeout(done, 2000)))]);
    clearTimeout(grace);
    for (const stream of [child.stdout, child.stderr, reportStream, info]) (stream as { destroy?: () => void } | null)?.destroy?.();
    if (exit.error) stderr.push(Buffer.from(`${exit.error.message}\n`));
    const exitCode = exit.code ?? undefined;
    return {
      exitCode,
      signal: exit.signal ?? (bwrap ? signalOf(exitCode) : undefined),
      timedOut,
      stdout: stdout.text(),
      stderr: stderr.text(),
      output: output.text(),
      ...(options.reportBytes !== undefined ? { report: reportTooLarge ? undefined : Buffer.concat(report), reportTooLarge } : {}),
      seconds: (performance.now() - startedAt) / 1000,
      processGroup: pgid,
      memoryLimited,
      limits,
      sandboxed: bwrap !== undefined,
      hostUid: bwrap?.setpriv ? sandboxUid : process.getuid?.(),
    };
  } finally {
    for (const fd of outputs) closeSync(fd);
    await rm(run, { recursive: true, force: true });
  }
}
