// The child process that reads one registration's checkpoint: a result, a refusal explained, and a deadline
// that kills it however it is stuck.
import { afterAll, describe, expect, it } from "vitest";
import { extractInChildProcess } from "../../tooling/server/extraction-process.ts";
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
    expect(loopback).toEqual({ ok: false, reason: expect.stringMatching(/127\.0\.0\.1 is a loopback address; pass --allow-private-network/), retryable: false });
    const flaky = await startServer({ "/m/down.ckpt": (_req, res) => void res.writeHead(503).end("down") });
    const down = await extractInChildProcess({ url: flaky.url("/m/down.ckpt"), allowPrivateNetwork: true, requestTimeoutMs: 10_000 }, limits);
    expect(down).toMatchObject({ ok: false, retryable: true });
  });

  it("kills a reading that outlives its deadline", async () => {
    const stalled = await startServer({ "/m/stalled.ckpt": file(checkpointBytes, { mode: "stall-headers" }) });
    const started = Date.now();
    const outcome = await extractInChildProcess({ url: stalled.url("/m/stalled.ckpt"), allowPrivateNetwork: true, requestTimeoutMs: 60_000 }, { deadlineMs: 1_500, heapMiB: 128 });
    expect(outcome).toEqual({ ok: false, reason: "reading the checkpoint took longer than 2 s; stopped", retryable: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
