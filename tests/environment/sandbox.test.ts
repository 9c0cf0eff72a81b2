// The OS sandbox itself, with real bubblewrap processes: no network (not even the host's 127.0.0.1), an
// unprivileged uid (to the kernel too when the tests run as root), a minimal /etc and no home, no write outside
// the capped scratch, a process limit, no descendant outliving the run (the attack it answers had a setsid child
// write a file after the command returned), a timeout that kills everything, and a memory limit. Each claim is
// set against the same process without the sandbox where that shows the test can see what it is looking for.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath, runSandboxed, sandboxLimits, sandboxProcessLimit, sandboxUid, type SandboxOptions } from "../../tooling/environment/sandbox.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { processGroupAlive } from "../support/processes.ts";

const python = "/usr/bin/python3";
const unavailable = !findOnPath("bwrap")
  ? "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)"
  : !existsSync(python)
    ? `${python} is missing`
    : undefined;
if (unavailable && process.env.CI) throw new Error(`CI must run the sandbox tests: ${unavailable}`);
if (unavailable) console.warn(`skipping sandbox tests: ${unavailable}`);

const base = (): SandboxOptions => ({ sandbox: true, env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, timeoutMs: 60_000, readOnly: [], writable: [] });

/** Processes on this machine whose command line holds `token` (a sleep of a duration no one else uses). */
function processesWith(token: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(token)) found.push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** A sleep of `seconds` and a unique fraction, so that the test finds its own processes by their command line. */
function uniqueNap(seconds = 1): string {
  return `${seconds}.${String(process.pid).padStart(7, "0")}${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}`;
}

/** Waits (bounded) until `path` exists; false when it did not appear within `ms`. */
async function appears(path: string, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await sleep(100)) if (existsSync(path)) return true;
  return existsSync(path);
}

/** Runs a Python program in the sandbox and returns what it printed as JSON. */
async function inside(code: string, options: Partial<SandboxOptions> = {}, ...args: string[]): Promise<any> {
  const run = await runSandboxed([python, "-c", code, ...args], { ...base(), ...options });
  expect(run.exitCode, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe.skipIf(unavailable)("the sandbox", () => {
  describe("network", () => {
    let hits = 0;
    let url: string;
    const server = createServer((_request, response) => {
      hits++;
      response.end("reached");
    });
    beforeAll(async () => {
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    const probe =
      "import sys, urllib.request\ntry:\n  print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())\nexcept Exception as error:\n  print('unreachable:', error)";

    it("a server on the host's 127.0.0.1 is out of reach; with the network shared (pip's case) it is reached", async () => {
      const shared = await runSandboxed([python, "-c", probe, url], { ...base(), network: true });
      expect(shared.stdout.trim(), shared.stderr).toBe("reached");
      expect(hits).toBe(1);

      const isolated = await runSandboxed([python, "-c", probe, url], base());
      expect(isolated.exitCode, isolated.stderr).toBe(0);
      expect(isolated.stdout).toMatch(/^unreachable: .*Connection refused/);
      expect(hits).toBe(1);
      const interfaces = await runSandboxed([python, "-c", "import socket; print(sorted(name for _, name in socket.if_nameindex()))"], base());
      expect(interfaces.stdout.trim()).toBe("['lo']");
    });
  });

  describe("nothing worth reading", () => {
    it("runs as uid 65534 inside, and to the kernel as an unprivileged uid: 65534 when the host user is root, the user's own otherwise", async () => {
      const nap = uniqueNap(3);
      const running = runSandboxed(
        [
          python,
          "-c",
          "import json, os, pwd, time, sys\nprint(json.dumps([os.getuid(), os.getgid(), os.getgroups(), pwd.getpwuid(os.getuid()).pw_name]), flush=True)\ntime.sleep(float(sys.argv[1]))",
          nap,
        ],
        base(),
      );
      let hostUids: number[] = [];
      for (let i = 0; i < 50 && hostUids.length === 0; i++, await sleep(100)) {
        hostUids = processesWith(nap)
          .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(python))
          .map((pid) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]));
      }
      const run = await running;
      expect(JSON.parse(run.stdout)).toEqual([sandboxUid, sandboxUid, [], "sandbox"]);
      const expected = process.getuid!() === 0 ? sandboxUid : process.getuid!();
      expect(run.hostUid).toBe(expected);
      // The harness and the command: every process of the sandbox, as the kernel sees it.
      expect(hostUids.length).toBeGreaterThan(0);
      expect(new Set(hostUids)).toEqual(new Set([expected]));
    });

    it("/etc holds only the allowlisted files (no shadow, no host accounts), and there is no home, no /root", async () => {
      const seen = await inside(
        [
          "import json, os, sys",
          "etc = sorted(os.listdir('/etc'))",
          "def read(path):",
          "  try:",
          "    return open(path).read()",
          "  except OSError as error:",
          "    return error.strerror",
          "print(json.dumps({'etc': etc, 'shadow': read('/etc/shadow'), 'gshadow': read('/etc/gshadow'), 'passwd': read('/etc/passwd'), 'root': os.path.exists('/root'), 'home': os.path.exists('/home'), 'hostHome': os.path.exists(sys.argv[1])}))",
        ].join("\n"),
        {},
        homedir(),
      );
      const allowed = ["passwd", "group", "hosts", "ld.so.cache", "alternatives", "ssl", "pki", "localtime", "os-release"];
      for (const name of seen.etc) expect(allowed.includes(name) || /^python3(\.\d+)?$/.test(name), name).toBe(true);
      expect(seen.etc).toEqual(expect.arrayContaining(["passwd", "group", "hosts"]));
      expect(seen).toMatchObject({ shadow: "No such file or directory", gshadow: "No such file or directory", root: false, home: false, hostHome: false });
      expect(seen.passwd).not.toContain(
        readFileSync("/etc/passwd", "utf8")
          .split("\n")
          .find((line) => line.startsWith("daemon:")) ?? "daemon:",
      );
      expect(existsSync(homedir())).toBe(true); // the host has a home; the sandbox does not see it
    });

    it("what a caller names is readable at its path, and nothing beside it", async () => {
      const readable = await tempDir("sandbox-read-only-");
      await writeFile(join(readable, "input.txt"), "visible");
      const seen = await inside(
        "import json, os, sys\nprint(json.dumps({'input': open(sys.argv[1]).read(), 'repository': os.path.exists(sys.argv[2]), 'hostTmp': sorted(os.listdir('/tmp'))}))",
        { readOnly: [join(readable, "input.txt")] },
        join(readable, "input.txt"),
        join(repoRoot, "package.json"),
      );
      expect(seen.input).toBe("visible");
      expect(seen.repository).toBe(false);
      // The host's /tmp is not there: only the folders leading to what was named (and to the harness, when the
      // checkout itself lies under /tmp, as a fresh clone made with mktemp does).
      const leading = [readable, repoRoot].filter((path) => path.startsWith("/tmp/")).map((path) => path.split("/")[2]!);
      expect(seen.hostTmp).toEqual([...new Set(leading)].sort());
    });
  });

  describe("nothing to exhaust", () => {
    it("writes land only in the capped scratch (/tmp): the repository, the host's /tmp, /etc, /dev and / stay untouched", async () => {
      const id = `sandbox-escape-${process.pid}-${Date.now()}`;
      const writable = await tempDir("sandbox-writable-");
      const targets = {
        scratch: `/tmp/${id}`,
        writable: join(writable, id),
        repository: join(repoRoot, id),
        home: join(homedir(), id),
        etc: `/etc/${id}`,
        dev: `/dev/${id}`,
        root: `/${id}`,
      };
      const script = [
        "import errno, json, os, sys",
        "out = {}",
        "for name, path in json.loads(sys.argv[1]).items():",
        "  try:",
        "    with open(path, 'w') as f: f.write('escaped')",
        "    out[name] = 'written'",
        "  except OSError as error:",
        "    out[name] = errno.errorcode[error.errno]",
        "print(json.dumps(out))",
      ].join("\n");
      const seen = await inside(script, { writable: [writable] }, JSON.stringify(targets));
      expect(seen).toMatchObject({ scratch: "written", writable: "written", etc: "EROFS", root: "EROFS" });
      expect(["ENOENT", "EROFS", "EACCES"]).toContain(seen.repository);
      expect(["ENOENT", "EROFS", "EACCES"]).toContain(seen.home);
      expect(["EROFS", "EACCES"]).toContain(seen.dev);
      expect(existsSync(targets.writable)).toBe(true);
      for (const name of ["scratch", "repository", "home", "etc", "root"] as const) expect(existsSync(targets[name]), name).toBe(false);
    });

    it("2 GiB written to the scratch or to /dev/shm stop at their caps, which the memory limit counts", async () => {
      const limits = sandboxLimits(2048, true);
      expect(limits.dataMiB! + limits.scratchMiB! + limits.shmMiB!).toBeLessThanOrEqual(2048);
      const fill = [
        "import json, os",
        "out = {}",
        "for path in ('/tmp/fill', '/dev/shm/fill'):",
        "  try:",
        "    with open(path, 'wb') as f:",
        "      for _ in range(2048): f.write(b'x' * (1 << 20))",
        "    out[path] = 'all'",
        "  except OSError as error:",
        "    out[path] = [error.strerror, os.path.getsize(path) >> 20]",
        "print(json.dumps(out))",
      ].join("\n");
      const seen = await inside(fill, { memoryLimitMiB: 2048 });
      expect(seen["/tmp/fill"]).toEqual(["No space left on device", limits.scratchMiB]);
      expect(seen["/dev/shm/fill"]).toEqual(["No space left on device", limits.shmMiB]);
      const data = await runSandboxed([python, "-c", "print([l for l in open('/proc/self/limits') if l.startswith('Max data size')][0].split()[3])"], {
        ...base(),
        memoryLimitMiB: 2048,
      });
      expect(data.stdout.trim()).toBe(String(limits.dataMiB! * 1024 * 1024));
    });

    it(`2,000 forks are refused at the process limit (${sandboxProcessLimit}); without the sandbox the host's limit is all there is`, async () => {
      const forks = [
        "import json, os, time",
        "made, refused = 0, None",
        "for _ in range(2000):",
        "  try:",
        "    pid = os.fork()",
        "  except OSError as error:",
        "    refused = error.strerror; break",
        "  if pid == 0:",
        "    time.sleep(30); os._exit(0)",
        "  made += 1",
        "print(json.dumps([made, refused]))",
      ].join("\n");
      const [made, refused] = await inside(forks, { timeoutMs: 120_000 });
      expect(refused).toBe("Resource temporarily unavailable");
      expect(made).toBeLessThan(sandboxProcessLimit);
      expect(made).toBeGreaterThan(sandboxProcessLimit / 2);
    });

    it("the memory limit holds inside the sandbox: an allocation past it fails with MemoryError", async () => {
      const hog = await runSandboxed([python, "-c", "hoard = bytearray(4 << 30)"], { ...base(), memoryLimitMiB: 1024 });
      expect(hog.memoryLimited).toBe(true);
      expect(hog.exitCode).toBe(1);
      expect(hog.stderr).toMatch(/MemoryError/);
    });
  });

  it("it has its own PID namespace: the host's processes are not there", async () => {
    const run = await runSandboxed([python, "-c", "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"], base());
    const pids = JSON.parse(run.stdout) as number[];
    expect(pids.length).toBeLessThanOrEqual(4);
    expect(Math.max(...pids)).toBeLessThan(10);
  });

  describe("descendants", () => {
    /** A command that starts three children meant to outlive it, each writing a marker after `nap` seconds, and returns at once. */
    function escapers(dir: string, nap: string): string[] {
      // The parent waits for the middle child, so that the daemon has left the process group before the run can
      // end: otherwise a loaded machine can end the run, and kill the group, before the middle child's setsid.
      const daemon = `import os, sys, time\nmiddle = os.fork()\nif middle == 0:\n  os.setsid()\n  if os.fork() == 0:\n    time.sleep(${nap}); open(sys.argv[1], 'w').close()\n  os._exit(0)\nos.waitpid(middle, 0)`;
      const shell = [
        `setsid sh -c 'sleep ${nap}; touch "$1"' sh ${dir}/setsid &`,
        `( sh -c 'sleep ${nap}; touch "$1"' sh ${dir}/double-fork & )`,
        `${python} -c "$1" ${dir}/daemon`,
        "exit 0",
      ].join("\n");
      return ["/bin/sh", "-c", shell, "sh", daemon];
    }

    it("a setsid, a double-forked and a daemonised child are gone when the run returns, and never write", async () => {
      const dir = await tempDir("sandboxed-");
      const nap = uniqueNap();
      const run = await runSandboxed(escapers(dir, nap), { ...base(), writable: [dir] });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(processesWith(nap)).toEqual([]);
      await sleep(Number(nap) * 1000 + 1500);
      expect(readdirSync(dir)).toEqual([]);
    });

    it("without the sandbox (--no-sandbox) the setsid child escapes the process group: what the sandbox is for", async () => {
      const dir = await tempDir("unsandboxed-");
      const nap = uniqueNap();
      const run = await runSandboxed(escapers(dir, nap), { ...base(), sandbox: false, writable: [dir] });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(await appears(join(dir, "setsid"), 5000)).toBe(true);
      expect(await appears(join(dir, "daemon"), 2000)).toBe(true);
    });

    it("the timeout kills the whole sandbox, the child that left the session included", async () => {
      const dir = await tempDir("timeout-");
      // The child sleeps well past the timeout, so that a loaded machine firing the timer late cannot let it write.
      const nap = uniqueNap(4);
      const run = await runSandboxed(["/bin/sh", "-c", `setsid sh -c 'sleep ${nap}; touch "$1"' sh ${dir}/late &\nexec sleep 60`], {
        ...base(),
        writable: [dir],
        timeoutMs: 1000,
      });
      expect(run.timedOut).toBe(true);
      expect(run.seconds).toBeLessThan(10);
      expect(processesWith(nap)).toEqual([]);
      expect(processGroupAlive(run.processGroup!)).toBe(false);
      await sleep(Number(nap) * 1000 + 1500);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it("a process that dies of a signal reads as that signal, not as an exit status", async () => {
    const run = await runSandboxed([python, "-c", "import ctypes; ctypes.string_at(0)"], base());
    expect(run.signal).toBe("SIGSEGV");
  });

  it.skipIf(process.getuid?.() !== 0)("as root, a file the sandbox's uid cannot read is refused before the sandbox starts, naming it", async () => {
    const dir = await tempDir("unreadable-");
    const secret = join(dir, "checkpoint.ckpt");
    await writeFile(secret, "x", { mode: 0o600 });
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    await expect(runSandboxed([python, "-c", "pass"], { ...base(), readOnly: [secret] })).rejects.toThrow(`${secret}: not readable by uid ${sandboxUid}`);
  });

  it("a sandbox's host folder is gone after the run", async () => {
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith("fiab-sandbox-"));
    await runSandboxed([python, "-c", "pass"], base());
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith("fiab-sandbox-"));
    expect(after.filter((name) => !before.includes(name))).toEqual([]);
  });
});
