import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { HttpNetworkError, HttpStatusError, HttpTimeoutError, RangeMismatchError, RangeNotSupportedError, TooLargeError } from "../../tooling/http/errors.ts";
import { openHttpSource } from "../../tooling/http/range-source.ts";
import { ByteSourceError } from "../../tooling/source/byte-source.ts";
import { closeAllServers, file, flaky, serveFile, startServer } from "../support/http-servers.ts";

afterAll(closeAllServers);

const content = randomBytes(512 * 1024);
const fast = { retries: 0, timeoutMs: 2000, backoffMs: 1, tailBytes: 4096, allowPrivateNetwork: true };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("should have failed"),
    (error: unknown) => error as Error,
  );
const tempDownloads = async () => (await readdir(tmpdir())).filter((name) => name.startsWith("fiab-http-")).length;

describe("servers that ignore Range", () => {
  it("fail fast with advice, without reading the body", async () => {
    const server = await serveFile(content, { mode: "ignore-range" });
    const error = await failure(openHttpSource(server.fileUrl, { ...fast, retries: 3 }));
    expect(error).toBeInstanceOf(RangeNotSupportedError);
    expect(error.message).toBe(
      `The server at ${server.fileUrl} ignores Range requests: it answered 200 with the whole file (524288 bytes) instead of the last 4096 bytes. ` +
        "Re-run with --allow-full-download to download the whole file to a temporary file instead.",
    );
    expect(server.stats.requests).toBe(1);
  });

  it("are read through a temporary file with allowFullDownload, deleted on close", async () => {
    const server = await serveFile(content, { mode: "ignore-range" });
    const before = await tempDownloads();
    const source = await openHttpSource(server.fileUrl, { ...fast, allowFullDownload: true });
    expect(source.downloadedWhole).toBe(true);
    expect(source.size).toBe(content.byteLength);
    expect(await tempDownloads()).toBe(before + 1);
    expect(await source.read(300_000, 1000)).toEqual(new Uint8Array(content.subarray(300_000, 301_000)));
    await source.prefetch([{ offset: 0, length: 10 }]);
    expect(source.stats).toEqual({ requests: 1, bytes: content.byteLength });
    await source.close();
    expect(await tempDownloads()).toBe(before);
  });

  it("are not downloaded beyond maxFullDownloadBytes", async () => {
    const server = await serveFile(content, { mode: "ignore-range" });
    const options = { ...fast, allowFullDownload: true, maxFullDownloadBytes: 100_000 };
    await expect(openHttpSource(server.fileUrl, options)).rejects.toThrow(/whole-file download of 524288 bytes is over the limit of 100000 bytes/);
  });
});

describe("wrong or truncated ranges", () => {
  it.each([
    ["wrong-range", /\(Range: bytes=1000-1999\): server sent Content-Range "bytes 1001-2000\/524288", expected bytes 1000-1999\/524288/],
    ["no-content-range", /\(Range: bytes=1000-1999\): 206 without a Content-Range header/],
    ["short-body", /\(Range: bytes=1000-1999\): body ended after 500 of 1000 bytes/],
    ["truncate", /\(Range: bytes=1000-1999\): body ended after 500 of 1000 bytes \(other side closed\)/],
  ] as const)("%s -> an error naming the URL and the range", async (mode, message) => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, fast);
    server.route.options.mode = mode;
    const error = await failure(source.read(1000, 1000));
    expect(error).toBeInstanceOf(ByteSourceError);
    expect(error.message).toContain(server.fileUrl);
    expect(error.message).toMatch(message);
  });

  it("checks the opening suffix request too", async () => {
    const server = await serveFile(content, { mode: "wrong-range" });
    const error = await failure(openHttpSource(server.fileUrl, fast));
    expect(error).toBeInstanceOf(RangeMismatchError);
    expect(error.message).toMatch(/\(Range: bytes=-4096\): malformed Content-Range "bytes 520193-524288\/524288"/);
  });
});

describe("timeouts", () => {
  it("gives up on a server that never answers", async () => {
    const server = await serveFile(content, { mode: "stall-headers" });
    const started = Date.now();
    const error = await failure(openHttpSource(server.fileUrl, { ...fast, timeoutMs: 150 }));
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(error.message).toBe(`GET ${server.fileUrl} (Range: bytes=-4096): no response within 150 ms (gave up after 1 attempt)`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("gives up on headers followed by nothing", async () => {
    const server = await serveFile(content, { mode: "stall-body" });
    const error = await failure(openHttpSource(server.fileUrl, { ...fast, timeoutMs: 100 }));
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(error.message).toMatch(/\(Range: bytes=-4096\): body stalled: no data for 100 ms after 0 of 4096 bytes/);
  });

  it("gives up on a body that stalls, retrying first", async () => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, { ...fast, timeoutMs: 150, retries: 1 });
    server.route.options = { mode: "stall-body", stallAfter: 100 };
    const error = await failure(source.read(1000, 1000));
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(error.message).toMatch(/\(Range: bytes=1000-1999\): body stalled: no data for 150 ms after 100 of 1000 bytes \(gave up after 2 attempts\)$/);
    expect(server.stats.requests).toBe(3);
  });
});

describe("retries", () => {
  it("retries 503s and succeeds", async () => {
    const route = flaky(file(content), { failures: 2 });
    const server = await startServer({ "/file": route });
    const source = await openHttpSource(server.url("/file"), { ...fast, retries: 3 });
    expect(source.size).toBe(content.byteLength);
    expect(source.stats.requests).toBe(3);
    expect(server.stats.log.map((r) => r.status)).toEqual([503, 503, 206]);
  });

  it("retries connection resets", async () => {
    const server = await startServer({ "/file": flaky(file(content), { failures: 1, status: "reset" }) });
    const source = await openHttpSource(server.url("/file"), { ...fast, retries: 1 });
    expect(source.stats.requests).toBe(2);
  });

  it("says how many attempts were made when retries run out", async () => {
    const server = await startServer({ "/file": flaky(file(content), { failures: 100 }) });
    const error = await failure(openHttpSource(server.url("/file"), { ...fast, retries: 2 }));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 503, attempts: 3 });
    expect(error.message).toMatch(/: server answered 503 Service Unavailable, expected 206 Partial Content \(gave up after 3 attempts\)$/);
    expect(server.stats.requests).toBe(3);
  });

  it("never retries other 4xx", async () => {
    const server = await startServer({ "/file": flaky(file(content), { failures: 100, status: 403 }) });
    const error = await failure(openHttpSource(server.url("/file"), { ...fast, retries: 3 }));
    expect(error).toMatchObject({ status: 403, attempts: 1 });
    expect(error.message).toBe(`GET ${server.url("/file")} (Range: bytes=-4096): server answered 403 Forbidden, expected 206 Partial Content`);
    await expect(openHttpSource(server.url("/missing"), fast)).rejects.toThrow(/server answered 404 Not Found/);
    expect(server.stats.requests).toBe(2);
  });

  it("retries refused connections and names the error code", async () => {
    const server = await startServer({});
    const url = server.url("/file");
    await server.close();
    const error = await failure(openHttpSource(url, { ...fast, retries: 1 }));
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect(error.message).toBe(`GET ${url} (Range: bytes=-4096): request failed (ECONNREFUSED) (gave up after 2 attempts)`);
  });

  it("does not retry a read over the cap", async () => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, { ...fast, maxReadBytes: 10 });
    await expect(source.read(0, 11)).rejects.toThrow(TooLargeError);
    expect(server.stats.requests).toBe(1);
  });
});
