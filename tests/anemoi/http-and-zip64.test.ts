// Reading over HTTP Range requests from real servers on 127.0.0.1, and a checkpoint over 4 GiB (ZIP64)
// made as a sparse file, read both locally and over HTTP.
import { createHash } from "node:crypto";
import { readFile, rm, stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, runCli, tempDir } from "../support/helpers.ts";
import { closeAllServers, file, redirect, serveFile, startServer } from "../support/http-servers.ts";
import { packMetadataFixture } from "../support/pack-metadata.ts";

afterAll(closeAllServers);

const dummy = fixture("anemoi/registry-dummy-checkpoint.ckpt");

async function extractUrl(url: string, ...args: string[]) {
  return runCli(["extract-basic-metadata", url, "--json", "--timeout", "2", "--allow-private-network", ...args]);
}

describe("over HTTP", () => {
  it("reads a checkpoint with few Range requests and records the URL, size and ETag", async () => {
    const server = await serveFile(await readFile(dummy), { etag: '"abc"' });
    const result = await extractUrl(server.fileUrl);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.entry.source).toEqual({ url: server.fileUrl, sizeBytes: 46325, etag: '"abc"' });
    expect(report.entry.pickle.verdict).toBe("safe");
    expect(server.stats.requests).toBeLessThanOrEqual(3);
    expect(report.transfer.requests).toBe(server.stats.requests);
  });

  it("follows redirects like Hugging Face's, takes the sha256 from X-Linked-Etag and reuses the final URL", async () => {
    const bytes = await readFile(dummy);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const server = await startServer({
      "/repo/resolve/main/model.ckpt": redirect("/cdn/model.ckpt", { headers: { "X-Linked-Etag": `"${sha256}"`, "X-Linked-Size": String(bytes.length) } }),
      "/cdn/model.ckpt": file(bytes),
    });
    const url = server.url("/repo/resolve/main/model.ckpt");
    const result = await extractUrl(url);
    expect(result.exitCode, result.stderr).toBe(0);
    const entry = JSON.parse(result.stdout).entry;
    expect(entry.source).toMatchObject({ url, sha256, sizeBytes: bytes.length });
    const redirects = server.stats.log.filter((r) => r.path.startsWith("/repo/"));
    expect(redirects).toHaveLength(1);
  });

  it("stops when the server ignores Range, unless --allow-full-download", async () => {
    // larger than the first (tail) request, so that a full answer is not simply the whole small file
    const server = await serveFile(await readFile(await packMetadataFixture("rmi-lam", await tempDir())), { mode: "ignore-range" });
    const refused = await extractUrl(server.fileUrl);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/ignores Range requests.*--allow-full-download/s);
    const allowed = await extractUrl(server.fileUrl, "--allow-full-download");
    expect(allowed.exitCode, allowed.stderr).toBe(0);
  });

  it("refuses wrong ranges, naming the range", async () => {
    const server = await serveFile(await readFile(dummy));
    server.route.options.mode = "wrong-range";
    const result = await extractUrl(server.fileUrl);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/bytes=/);
  });

  it("needs no more requests when the central directory does not fit in the first one (3,000 tensors)", async () => {
    const tensors = Array.from({ length: 3000 }, (_, i) => ({ path: `data/${i}`, data: new Uint8Array(64) }));
    const path = await packMetadataFixture("rmi-lam", await tempDir(), { extra: tensors });
    const server = await serveFile({ path });
    const result = await extractUrl(server.fileUrl);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(server.stats.log.map((r) => r.range)).toHaveLength(3);
  });

  it("refuses a loopback address without --allow-private-network, before connecting", async () => {
    const server = await serveFile(await readFile(dummy));
    const result = await runCli(["extract-basic-metadata", server.fileUrl, "--timeout", "2"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`GET ${server.fileUrl} (Range: bytes=-4096): 127.0.0.1 is a loopback address; pass --allow-private-network to allow it`);
    expect(result.stderr).not.toMatch(/gave up after/);
    expect(server.stats.requests).toBe(0);
  });

  it("gives up on a stalled server after the timeout", async () => {
    const server = await serveFile(await readFile(dummy), { mode: "stall-headers" });
    const started = Date.now();
    const result = await runCli(["extract-basic-metadata", server.fileUrl, "--timeout", "0.3", "--allow-private-network"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/file \(Range: bytes=-4096\): no response within 300 ms \(gave up after 4 attempts\)/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("ZIP64: a checkpoint over 4 GiB, as a sparse file", () => {
  let path: string;
  const size = 5 * 1024 ** 3;
  beforeAll(async () => {
    const dir = await tempDir();
    // a 5 GiB hole where the weights would be, the metadata and arrays appended after it, as anemoi does
    path = await packMetadataFixture("rmi-lam", dir, { extra: [{ path: "data/0", sparseSize: size }] });
  });
  afterAll(async () => {
    await rm(path, { force: true });
  });

  it("is really over 4 GiB and takes no disk", async () => {
    const info = await stat(path);
    expect(info.size).toBeGreaterThan(size);
    expect(info.blocks * 512).toBeLessThan(16 * 1024 * 1024);
  });

  it("reads locally", async () => {
    const result = await runCli(["extract-basic-metadata", path, "--url", "https://example.org/big.ckpt", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).entry.source.sizeBytes).toBe((await stat(path)).size);
  });

  it("reads over HTTP in at most 3 requests and under 0.1% of the bytes", async () => {
    const server = await serveFile({ path });
    const result = await extractUrl(server.fileUrl);
    expect(result.exitCode, result.stderr).toBe(0);
    const { transfer, entry } = JSON.parse(result.stdout);
    expect(entry.inputs.datasets[0].area).toBe("70/-55/10/70");
    expect(server.stats.requests).toBeLessThanOrEqual(3);
    expect(server.stats.bytesSent / transfer.fileBytes).toBeLessThan(0.001);
  });
});
