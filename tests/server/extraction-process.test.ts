// The child process that reads one registration's checkpoint: a result, a refusal explained, and a deadline
// that kills it however it is stuck.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ExtractionSpawner, extractInChildProcess } from "../../tooling/server/extraction-process.ts";
import { closeAllServers, file, startServer } from "../support/http-servers.ts";
import { checkpointBytes, serveCheckpoints } from "../support/registry-server.ts";

afterAll(closeAllServers);

const limits = { deadlineMs: 30_000, heapMiB: 128 };

describe("reading a checkpoint in a child process", () => {
  it("answers with what the reader read", async () => {
    const files = await serveCheckpoints(["model"]);
    const outcome = await extractInChildProcess({ url: files.urlOf("model"), allowPrivateNetwork: true, requestTimeoutMs: 10_000 }, limits);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.reading.facts).toEqual({ sizeBytes: checkpointBytes.length });
    expect(outcome.reading.fileName).toBe("model.ckpt");
    expect(outcome.reading.extraction.mapped.model.timestep).toBe("6h");
    expect(outcome.reading.transfer.requests).toBeGreaterThan(0);
  });

  it("explains a refusal, and says whether another attempt may succeed", async () => {
    const files = await serveCheckpoints(["model"]);
    const loopback = await extractInChildProcess({ url: files.urlOf("model"), allowPrivateNetwork: false, requestTimeoutMs: 10_000 }, limits);
    expect(loopback).toEqual({
      ok: false,
      reason: expect.stringMatching(/127\.0\.0\.1 is a loopback address; pass --allow-private-network/),
      retryable: false,
    });
    const flaky = await startServer({ "/m/down.ckpt": (_req, res) => void res.writeHead(503).end("down") });
    const down = await extractInChildProcess({ url: flaky.url("/m/down.ckpt"), allowPrivateNetwork: true, requestTimeoutMs: 10_000 }, limits);
    expect(down).toMatchObject({ ok: false, retryable: true });
  });

  it("kills a reading that outlives its deadline", async () => {
    const stalled = await startServer({ "/m/stalled.ckpt": file(checkpointBytes, { mode: "stall-headers" }) });
    const started = Date.now();
    const outcome = await extractInChildProcess(
      { url: stalled.url("/m/stalled.ckpt"), allowPrivateNetwork: true, requestTimeoutMs: 60_000 },
      { deadlineMs: 1_500, heapMiB: 128 },
    );
    expect(outcome).toEqual({ ok: false, reason: "reading the checkpoint took longer than 2 s; stopped", retryable: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("the process that starts the readings", () => {
  it("starts each reading, answers for it, and, killed, fails what it was reading as retryable and is replaced", async () => {
    const files = await serveCheckpoints(["model"]);
    const stalled = await startServer({ "/m/stalled.ckpt": file(checkpointBytes, { mode: "stall-headers" }) });
    const spawner = new ExtractionSpawner();
    try {
      const read = await spawner.extract({ url: files.urlOf("model"), allowPrivateNetwork: true, requestTimeoutMs: 10_000 }, limits);
      expect(read.ok).toBe(true);
      const waiting = spawner.extract({ url: stalled.url("/m/stalled.ckpt"), allowPrivateNetwork: true, requestTimeoutMs: 60_000 }, limits);
      // The spawner and the reading it started are this process's child and grandchild.
      const spawnerPid = await waitFor(() => childPids(process.pid).find((pid) => childPids(pid).length > 0));
      const readingPid = childPids(spawnerPid)[0]!;
      process.kill(spawnerPid, "SIGKILL");
      expect(await waiting).toEqual({ ok: false, reason: "the process that starts readings stopped (SIGKILL)", retryable: true });
      // Without its spawner the reading exits (its channel closed).
      await waitFor(() => (isAlive(readingPid) ? undefined : true));
      const again = await spawner.extract({ url: files.urlOf("model"), allowPrivateNetwork: true, requestTimeoutMs: 10_000 }, limits);
      expect(again.ok).toBe(true);
    } finally {
      await spawner.close();
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function childPids(parent: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
