// A job's command stopped from outside the worker: a batch scheduler (Slurm's scancel, a Kubernetes eviction)
// signals every process of the job at once, so the command's end can reach the worker before the worker's own
// SIGTERM does. It is the job handed back, never a failure, whichever arrives first; a crash or the kernel's OOM
// kill (SIGKILL) stays a failure.
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { registryCommand } from "../../tooling/worker/run-job.ts";
import { fixture, tempDir } from "../support/helpers.ts";

/** The pids of the processes whose command line holds `marker` (the command leads its own process group). */
function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** verify-unpickling held at its first look at an interpreter that never answers, until it is signalled. */
async function heldCommand(signal: AbortSignal) {
  const dir = await tempDir("stopped-command-");
  const python = join(dir, "python3");
  await writeFile(python, "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
  const out = join(dir, "result.json");
  const run = registryCommand(["verify-unpickling", fixture("anemoi/registry-dummy-checkpoint.ckpt"), "--python", python, "--out", out], signal);
  for (const started = Date.now(); processesWith(out).length === 0; await sleep(50))
    if (Date.now() - started > 30_000) throw new Error("the command did not start within 30 s");
  return { run, pids: () => processesWith(out) };
}

describe("a job's command stopped from outside the worker", () => {
  it("SIGTERM to every process of the command, the worker not stopping: stopped, so the job is handed back", async () => {
    const { run, pids } = await heldCommand(new AbortController().signal);
    for (const pid of pids()) process.kill(-pid, "SIGTERM");
    const ended = await run;
    expect(ended).toMatchObject({ exitCode: undefined, signal: "SIGTERM", stopped: "verify-unpickling was stopped by SIGTERM from outside the worker" });
  });

  it("the worker asked to stop: stopped by the worker", async () => {
    const stop = new AbortController();
    const { run } = await heldCommand(stop.signal);
    stop.abort();
    expect((await run).stopped).toBe("the worker stopped");
  });

  it("SIGKILL (the kernel's OOM kill, a crash): not stopped, a failure as before", async () => {
    const { run, pids } = await heldCommand(new AbortController().signal);
    for (const pid of pids()) process.kill(-pid, "SIGKILL");
    expect(await run).toMatchObject({ exitCode: undefined, signal: "SIGKILL", stopped: undefined });
  });
});
