// The harness (tooling/python/harness.py) as the sandbox's PID 1, with hostile steps: a step cannot hold the
// run past its own end (a SIGSTOPped child, a ptrace-stopped child, a leftover daemon), cannot stop, kill or
// trace the harness, cannot write the report channel or reach it through /proc, and cannot make the harness
// report what it did not see (its exit status, its signal, its time). Files a step leaves in the scratch reach
// the host only as the harness copies them, never through a symbolic link.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PythonEnvironment } from "../../tooling/environment/python-env.ts";
import { runHarness, stepAnswer } from "../../tooling/environment/run-script.ts";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { tempDir } from "../support/helpers.ts";

const python = "/usr/bin/python3";
const unavailable = !findOnPath("bwrap")
  ? "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)"
  : !existsSync(python)
    ? `${python} is missing`
    : undefined;
if (unavailable && process.env.CI) throw new Error(`CI must run the harness tests: ${unavailable}`);
if (unavailable) console.warn(`skipping harness tests: ${unavailable}`);

/** Processes on this machine whose command line holds `token`. */
function processesWith(token: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(token);
      } catch {
        return false;
      }
    })
    .map(Number);
}

let dir: string;
/** The system Python as an "environment": the harness needs nothing else. */
let env: PythonEnvironment;

async function step(name: string, code: string): Promise<string> {
  const path = join(dir, `${name}.py`);
  await writeFile(path, code, { mode: 0o644 });
  return path;
}

describe.skipIf(unavailable)("the harness", () => {
  beforeAll(async () => {
    dir = await tempDir("harness-");
    await chmod(dir, 0o755); // readable by the sandbox's uid when the tests run as root
    env = { dir, python, tool: "venv", readOnly: [], dispose: async () => undefined };
  });

  it("a step that leaves stopped, traced and daemonised processes and attacks the harness: the run ends with the step, and nothing is left", async () => {
    const token = `4${Date.now() % 100000}.5`;
    const hostile = await step(
      "hostile",
      `
import ctypes, json, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
out = {}
def child(action):
    pid = os.fork()
    if pid == 0:
        action()
        os._exit(0)
    return pid
# A child that stops itself, one stopped by a tracer, and a daemon; all sleeping past any reasonable run,
# with the token in their command line so that the host can look for them afterwards.
def sleeper():
    os.execv("/bin/sleep", ["sleep", "${token}"])
def state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]
def cmdline(p):
    try:
        with open("/proc/%s/cmdline" % p) as f:
            return f.read().split("\\0")
    except OSError:
        return []
stopped = child(lambda: os.execv("/bin/sh", ["sh", "-c", 'kill -STOP $$; exec sleep "$0"', "${token}"]))
traced = child(sleeper)
def trace():
    # Attached before its exec, the child would stay stopped as Python, without the token to be found by.
    deadline = time.monotonic() + 10
    while "${token}" not in cmdline(traced) and time.monotonic() < deadline:
        time.sleep(0.01)
    libc.ptrace(16, traced, 0, 0)
    sleeper()
child(trace)
def daemon():
    os.setsid()
    if os.fork() == 0:
        sleeper()
child(daemon)
# Until all four sleep as planned (a loaded machine may take a while to fork and exec them), at most 10 s.
deadline = time.monotonic() + 10
while True:
    out["states"] = sorted(state(pid) for pid in (stopped, traced))
    out["sleepers"] = sum(1 for p in os.listdir("/proc") if p.isdigit() and "${token}" in cmdline(p))
    if (out["states"] == ["T", "t"] and out["sleepers"] == 4) or time.monotonic() > deadline:
        break
    time.sleep(0.1)
# The harness is PID 1 here: trace it, stop it, kill it.
out["ptraceHarness"] = [libc.ptrace(16, 1, 0, 0), os.strerror(ctypes.get_errno())]
for sig in (signal.SIGSTOP, signal.SIGKILL):
    os.kill(1, sig)
# Write the report channel, directly and through /proc.
try:
    os.write(3, b'{"harness": 1, "stages": []}'); out["fd3"] = "written"
except OSError as error:
    out["fd3"] = error.strerror
try:
    with open("/proc/1/fd/3", "w") as f: f.write("forged"); out["procFd3"] = "written"
except OSError as error:
    out["procFd3"] = error.strerror
out["harnessAlive"] = os.path.exists("/proc/1")
time.sleep(0.5)
os.write(int(os.environ["REGISTRY_MESSAGE_FD"]), json.dumps(out).encode())
`,
    );
    const started = Date.now();
    const harness = await runHarness(env, {}, [{ name: "hostile", script: hostile }], { timeoutMs: 60_000, sandbox: true, readOnly: [dir] });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(harness.report, harness.noReport).toBeDefined();
    const stage = harness.report!.stages[0]!;
    expect(stage, stage.output).toMatchObject({ name: "hostile", exitCode: 0, signal: null, timedOut: false });
    expect(stepAnswer(stage)).toMatchObject({
      states: ["T", "t"],
      sleepers: 4,
      ptraceHarness: [-1, "Operation not permitted"],
      fd3: "Bad file descriptor",
      procFd3: expect.stringMatching(/Permission denied|No such file/),
      harnessAlive: true,
    });
    expect(processesWith(token)).toEqual([]);
  });

  it("what the harness saw is its own: a step that answers and then dies of a signal is reported with the signal", async () => {
    const liar = await step(
      "liar",
      `import json, os, ctypes\nfd = int(os.environ["REGISTRY_MESSAGE_FD"])\nos.write(fd, json.dumps({"status": "ok", "exitCode": 0}).encode())\nctypes.string_at(0)\n`,
    );
    const harness = await runHarness(env, {}, [{ name: "liar", script: liar }], { timeoutMs: 60_000, sandbox: true, readOnly: [dir] });
    expect(harness.report!.stages[0]).toMatchObject({ exitCode: null, signal: "SIGSEGV" });
    expect(stepAnswer(harness.report!.stages[0])).toEqual({ status: "ok", exitCode: 0 });
  });

  it("an answer over its cap is no answer, and said so", async () => {
    const talker = await step("talker", `import os\nos.write(int(os.environ["REGISTRY_MESSAGE_FD"]), b"x" * 100000)\n`);
    const harness = await runHarness(env, {}, [{ name: "talker", script: talker, messageBytes: 1000 }], { timeoutMs: 60_000, sandbox: true, readOnly: [dir] });
    expect(harness.report!.stages[0]).toMatchObject({ exitCode: 0, message: null, messageTooLarge: true });
  });

  it("a step past its time limit is killed by the harness, which still reports; when it was required, later steps do not run", async () => {
    const slow = await step("slow", "import time\ntime.sleep(600)\n");
    const started = Date.now();
    const harness = await runHarness(
      env,
      {},
      [
        { name: "slow", script: slow, required: true },
        { name: "after", script: slow },
      ],
      { timeoutMs: 3000, sandbox: true, readOnly: [dir] },
    );
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(harness.run.timedOut).toBe(false);
    expect(harness.report!.stages).toMatchObject([{ name: "slow", timedOut: true }]);
  });

  it("files left in the scratch are copied to the host's descriptors, capped, and never through a symbolic link", async () => {
    const writer = await step(
      "writer",
      "import os\nos.makedirs('trace')\nopen('trace/data', 'wb').write(b'x' * 1000)\nopen('trace/big', 'wb').write(b'y' * 5000)\nos.symlink('/etc/passwd', 'trace/link')\n",
    );
    const out = await tempDir("harness-out-");
    const harness = await runHarness(env, {}, [{ name: "writer", script: writer }], {
      timeoutMs: 60_000,
      sandbox: true,
      readOnly: [dir],
      outputs: ["data", "big", "link", "absent"].map((name) => ({ scratchPath: `trace/${name}`, file: join(out, name) })),
      outputBytes: 4096,
    });
    expect(harness.report!.outputs, JSON.stringify(harness.report)).toEqual([
      { path: "trace/data", bytes: 1000 },
      { path: "trace/big", bytes: 0, tooLarge: true },
      { path: "trace/link", bytes: 0, missing: "Too many levels of symbolic links" },
      { path: "trace/absent", bytes: 0, missing: "No such file or directory" },
    ]);
    expect(readFileSync(join(out, "data"), "utf8")).toBe("x".repeat(1000));
    expect(readFileSync(join(out, "big"), "utf8")).toBe("");
    expect(readFileSync(join(out, "link"), "utf8")).toBe("");
  });
});
