// The OS sandbox itself, with real bubblewrap processes: no network (not even the host's 127.0.0.1), no write
// outside the scratch folder, no descendant outliving the run (the attack it answers had a setsid child write
// a file after the command returned), a timeout that kills everything, and a memory limit that reads as
// out-of-memory. Each claim is set against the same process without the sandbox where that shows the test
// can see what it is looking for.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath, runSandboxed, type SandboxOptions } from "../../tooling/environment/sandbox.ts";
import { interpret } from "../../tooling/verify/verify.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { processGroupAlive } from "../support/processes.ts";

const python = "/usr/bin/python3";
const unavailable = !findOnPath("bwrap") ? "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)" : !existsSync(python) ? `${python} is missing` : undefined;
if (unavailable && process.env.CI) throw new Error(`CI must run the sandbox tests: ${unavailable}`);
if (unavailable) console.warn(`skipping sandbox tests: ${unavailable}`);

let scratch: string;
const base = (): SandboxOptions => ({ sandbox: true, cwd: scratch, env: { PATH: "/usr/bin:/bin", HOME: scratch, LANG: "C.UTF-8" }, timeoutMs: 60_000, readOnly: [], writable: [scratch] });

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

/** A sleep no other process on the machine has: between 1 and 2 seconds, unique to this run. */
/** A sleep of `seconds` and a unique fraction, so that the test finds its own processes by their command line. */
function uniqueNap(seconds = 1): string {
  return `${seconds}.${String(process.pid).padStart(7, "0")}${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}`;
}

/** Waits (bounded) until `path` exists; false when it did not appear within `ms`. */
async function appears(path: string, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await sleep(100)) if (existsSync(path)) return true;
  return existsSync(path);
}

describe.skipIf(unavailable)("the sandbox", () => {
  beforeAll(async () => {
    scratch = await tempDir("sandbox-test-");
  });

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

    const probe = "import sys, urllib.request\ntry:\n  print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())\nexcept Exception as error:\n  print('unreachable:', error)";

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

  it("writes land only in the scratch folder: the repository, $HOME, the host's /tmp and the system stay untouched", async () => {
    const id = `sandbox-escape-${process.pid}-${Date.now()}`;
    const readable = await tempDir("sandbox-read-only-");
    await writeFile(join(readable, "input.txt"), "visible");
    const targets = {
      scratch: join(scratch, `${id}-ok`),
      readOnly: join(readable, id),
      repository: join(repoRoot, id),
      home: join(homedir(), id),
      hostTmp: join(tmpdir(), id),
      etc: `/etc/${id}`,
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
      "out['readable'] = open(sys.argv[2]).read()",
      "out['repositoryVisible'] = os.path.exists(sys.argv[3])",
      "print(json.dumps(out))",
    ].join("\n");
    const run = await runSandboxed([python, "-c", script, JSON.stringify(targets), join(readable, "input.txt"), join(repoRoot, "package.json")], { ...base(), readOnly: [readable] });
    expect(run.exitCode, run.stderr).toBe(0);
    const inside = JSON.parse(run.stdout);
    expect(inside).toMatchObject({ scratch: "written", readOnly: "EROFS", etc: "EROFS", root: "EROFS", readable: "visible", repositoryVisible: false });
    // The sandbox's /tmp is its own: writing there works and is gone with it.
    expect(inside.hostTmp).toBe("written");
    expect(["ENOENT", "EROFS"]).toContain(inside.repository);
    expect(["ENOENT", "EROFS"]).toContain(inside.home);
    expect(existsSync(targets.scratch)).toBe(true);
    for (const name of ["readOnly", "repository", "home", "hostTmp", "etc", "root"] as const) expect(existsSync(targets[name]), name).toBe(false);
  });

  it("it has its own PID namespace: the host's processes are not there", async () => {
    const run = await runSandboxed([python, "-c", "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"], base());
    const pids = JSON.parse(run.stdout) as number[];
    expect(pids.length).toBeLessThanOrEqual(3);
    expect(Math.max(...pids)).toBeLessThan(10);
  });

  describe("descendants", () => {
    /** A command that starts three children meant to outlive it, each writing a marker after `nap` seconds, and returns at once. */
    function escapers(dir: string, nap: string): string[] {
      const daemon = `import os, sys, time\nif os.fork() == 0:\n  os.setsid()\n  if os.fork() == 0:\n    time.sleep(${nap}); open(sys.argv[1], 'w').close()\n  os._exit(0)`;
      const shell = [
        `setsid sh -c 'sleep ${nap}; touch "$1"' sh ${dir}/setsid &`,
        `( sh -c 'sleep ${nap}; touch "$1"' sh ${dir}/double-fork & )`,
        `${python} -c "$1" ${dir}/daemon`,
        "exit 0",
      ].join("\n");
      return ["/bin/sh", "-c", shell, "sh", daemon];
    }

    it("a setsid, a double-forked and a daemonised child are gone when the run returns, and never write", async () => {
      const dir = join(scratch, "sandboxed");
      await mkdir(dir);
      const nap = uniqueNap();
      const run = await runSandboxed(escapers(dir, nap), { ...base(), writable: [dir] });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(processesWith(nap)).toEqual([]);
      await sleep(Number(nap) * 1000 + 1500);
      expect(readdirSync(dir)).toEqual([]);
    });

    it("without the sandbox (--no-sandbox) the setsid child escapes the process group: what the sandbox is for", async () => {
      const dir = join(scratch, "unsandboxed");
      await mkdir(dir);
      const nap = uniqueNap();
      const run = await runSandboxed(escapers(dir, nap), { ...base(), sandbox: false, writable: [dir] });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(await appears(join(dir, "setsid"), 5000)).toBe(true);
      expect(await appears(join(dir, "daemon"), 2000)).toBe(true);
    });

    it("the timeout kills the whole sandbox, the child that left the session included", async () => {
      const dir = join(scratch, "timeout");
      await mkdir(dir);
      // The child sleeps well past the timeout, so that a loaded machine firing the timer late cannot let it write.
      const nap = uniqueNap(4);
      const run = await runSandboxed(["/bin/sh", "-c", `setsid sh -c 'sleep ${nap}; touch "$1"' sh ${dir}/late &\nexec sleep 60`], { ...base(), writable: [dir], timeoutMs: 1000 });
      expect(run.timedOut).toBe(true);
      expect(run.seconds).toBeLessThan(10);
      expect(processesWith(nap)).toEqual([]);
      expect(processGroupAlive(run.processGroup!)).toBe(false);
      await sleep(Number(nap) * 1000 + 1500);
      expect(readdirSync(dir)).toEqual([]);
      expect(interpret(run, undefined)).toMatchObject({ status: "timeout", summary: expect.stringContaining("the sandbox and everything in it were killed") });
    });
  });

  it("the memory limit holds inside the sandbox and reads as out-of-memory", async () => {
    const limits = await runSandboxed([python, "-c", "print([l for l in open('/proc/self/limits') if l.startswith('Max data size')][0].split()[3])"], { ...base(), memoryLimitMiB: 1024 });
    expect(limits.stdout.trim()).toBe(String(1024 * 1024 * 1024));
    const hog = await runSandboxed([python, "-c", "hoard = bytearray(4 << 30)"], { ...base(), memoryLimitMiB: 1024 });
    expect(hog.memoryLimited).toBe(true);
    expect(hog.exitCode).toBe(1);
    expect(hog.stderr).toMatch(/MemoryError/);
    expect(interpret(hog, undefined).status).toBe("out-of-memory");
  });

  it("a process killed by a signal inside reads as killed by that signal, not as an exit status", async () => {
    const run = await runSandboxed(["/bin/sh", "-c", "kill -9 $$"], base());
    expect(run.signal).toBe("SIGKILL");
  });
});
