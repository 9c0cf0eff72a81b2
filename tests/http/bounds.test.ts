// The bounds a stranger's server cannot get round: a deadline per request (a body trickling in a byte at a
// time), a minimum rate for whole-file downloads, one version of the file across requests (ETag, else
// Last-Modified, and size), and a 200 without Content-Length cut short.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { downloadToFile, downloadToHash } from "../../tooling/http/download.ts";
import { DeadlineExceededError, FileChangedError, HttpTimeoutError, TooSlowError } from "../../tooling/http/errors.ts";
import { openHttpSource } from "../../tooling/http/range-source.ts";
import { tempDir } from "../support/helpers.ts";
import { closeAllServers, file, serveFile, sparseFile, startServer } from "../support/http-servers.ts";

afterAll(closeAllServers);

const content = randomBytes(256 * 1024);
const fast = { retries: 0, timeoutMs: 5000, backoffMs: 1, tailBytes: 4096, allowPrivateNetwork: true };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("should have failed"),
    (error: unknown) => error as Error,
  );
const monday = "Mon, 01 Jan 2024 00:00:00 GMT";
const tuesday = "Tue, 02 Jan 2024 00:00:00 GMT";

describe("the deadline of a request", () => {
  it("stops a body trickling at 1 byte/s, which the idle timeout never would, and does not retry it", async () => {
    const server = await serveFile(content, { mode: "trickle", trickleMs: 1000 });
    const started = Date.now();
    const error = await failure(openHttpSource(server.fileUrl, { ...fast, retries: 2, deadlineMs: 1500 }));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/file \(Range: bytes=-4096\): body not complete \(after [12] of 4096 bytes\) within the deadline of 1500 ms \(option deadlineMs\)$/,
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(server.stats.requests).toBe(1);
  });

  it("covers the wait for the headers too", async () => {
    const server = await serveFile(content, { mode: "stall-headers" });
    const error = await failure(openHttpSource(server.fileUrl, { ...fast, deadlineMs: 200 }));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toMatch(/\(Range: bytes=-4096\): no complete response within the deadline of 200 ms \(option deadlineMs\)$/);
  });

  it("covers later range reads", async () => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, { ...fast, deadlineMs: 300 });
    server.route.options = { mode: "trickle", trickleMs: 50 };
    const error = await failure(source.read(0, 1000));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toMatch(/\(Range: bytes=0-999\): body not complete \(after \d+ of 1000 bytes\) within the deadline of 300 ms/);
    await source.close();
  });

  it("does not cut whole-file downloads, which may rightly take longer", async () => {
    const server = await serveFile(content);
    const result = await downloadToHash(server.fileUrl, { ...fast, deadlineMs: 1 });
    expect(result.sha256).toBe(createHash("sha256").update(content).digest("hex"));
  });
});

describe("the minimum rate of a whole-file download", () => {
  const slow = { ...fast, minBytesPerSecond: 1000, rateGraceMs: 300 };

  it("stops a download slower than the minimum once the grace period is over", async () => {
    const server = await serveFile(content, { mode: "trickle", trickleMs: 20 }); // about 50 bytes/s
    const started = Date.now();
    const error = await failure(downloadToHash(server.fileUrl, { ...slow, retries: 2 }));
    expect(error).toBeInstanceOf(TooSlowError);
    expect(error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/file: download too slow: \d+ bytes in \d+\.\d s, under the minimum average of 1000 bytes\/s required after 300 ms \(option minBytesPerSecond\), after \d+ of 262144 bytes$/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(server.stats.requests).toBe(1);
  });

  it("leaves no partial file behind", async () => {
    const server = await serveFile(content, { mode: "trickle", trickleMs: 20 });
    const path = join(await tempDir(), "model.ckpt.part");
    await expect(downloadToFile(server.fileUrl, path, slow)).rejects.toThrow(TooSlowError);
    expect(existsSync(path)).toBe(false);
  });

  it("lets a download at a good rate through, however long it takes", async () => {
    const sparse = await sparseFile(128 * 1024 * 1024);
    try {
      const server = await serveFile({ path: sparse.path });
      const started = Date.now();
      const result = await downloadToHash(server.fileUrl, { ...fast, minBytesPerSecond: 1024 * 1024, rateGraceMs: 20, deadlineMs: 1 });
      expect(result.size).toBe(128 * 1024 * 1024);
      expect(Date.now() - started).toBeGreaterThan(20); // the rate was checked, and passed
    } finally {
      await sparse.remove();
    }
  });
});

describe("one version of the file across requests", () => {
  it("the test server sends Last-Modified, as real servers do", async () => {
    const server = await serveFile(content);
    const response = await fetch(server.fileUrl, { headers: { range: "bytes=0-0" } });
    await response.arrayBuffer();
    expect(Date.parse(response.headers.get("last-modified") ?? "")).not.toBeNaN();
  });

  it("refuses ranges whose Last-Modified changed, when there is no ETag", async () => {
    const server = await serveFile(content, { lastModified: monday });
    const source = await openHttpSource(server.fileUrl, fast);
    expect(await source.read(0, 10)).toEqual(new Uint8Array(content.subarray(0, 10)));
    server.route.options.lastModified = tuesday;
    const error = await failure(source.read(100, 10));
    expect(error).toBeInstanceOf(FileChangedError);
    expect(error.message).toBe(`GET ${server.fileUrl} (Range: bytes=100-109): Last-Modified changed from ${monday} to ${tuesday} since the file was opened`);
    await source.close();
  });

  it("trusts an unchanged ETag over a changed Last-Modified", async () => {
    const server = await serveFile(content, { etag: '"v1"', lastModified: monday });
    const source = await openHttpSource(server.fileUrl, fast);
    server.route.options.lastModified = tuesday;
    server.route.options.etag = 'W/"v1"';
    expect(await source.read(0, 10)).toEqual(new Uint8Array(content.subarray(0, 10)));
    await source.close();
  });

  it("refuses a response that drops the validators the file was opened with", async () => {
    const server = await serveFile(content, { etag: '"v1"', lastModified: false });
    const source = await openHttpSource(server.fileUrl, fast);
    delete server.route.options.etag;
    server.route.options.lastModified = tuesday;
    await expect(source.read(0, 10)).rejects.toThrow(`cannot tell this is the file opened (ETag "v1"): this response has only Last-Modified ${tuesday}`);
    server.route.options.lastModified = false;
    await expect(source.read(0, 10)).rejects.toThrow(/\(ETag "v1"\): this response has neither$/);
    await source.close();
  });

  it("with no validator at the opening, holds later responses to the size alone", async () => {
    const server = await serveFile(content, { lastModified: false });
    const source = await openHttpSource(server.fileUrl, fast);
    server.route.options.lastModified = tuesday; // appears only now: nothing to contradict
    expect(await source.read(0, 10)).toEqual(new Uint8Array(content.subarray(0, 10)));
    server.route.content = content.subarray(0, 1000);
    await expect(source.read(0, 10)).rejects.toThrow(/file size changed from 262144 to 1000 bytes/);
    await source.close();
  });

  it("refuses to resume a download from another version of the file", async () => {
    const route = file(content, { mode: "truncate", lastModified: monday });
    const server = await startServer({
      "/file": (req, res, context) => {
        const answer = route(req, res, context);
        route.options = { lastModified: tuesday }; // the route read its options already: only this answer is cut
        return answer;
      },
    });
    const path = join(await tempDir(), "model.ckpt.part");
    const error = await failure(downloadToFile(server.url("/file"), path, { ...fast, retries: 1 }));
    expect(error).toBeInstanceOf(FileChangedError);
    expect(error.message).toMatch(/\(Range: bytes=\d+-\): Last-Modified changed from Mon, 01 Jan 2024 00:00:00 GMT to Tue, 02 Jan 2024 00:00:00 GMT/);
    expect(server.stats.log.map((r) => r.range?.replace(/\d+/, "N"))).toEqual([undefined, "bytes=N-"]);
    expect(existsSync(path)).toBe(false);
  });
});

describe("a 200 without Content-Length, closed early", () => {
  // The body ends where the connection does, so a cut cannot be told from the end: the bytes that came are
  // the file (the size and sha256 checks of the callers catch the loss). Node's own fetch crashed the
  // process here (an assertion in its HTTP parser when the connection ends while the body is paused).
  const big = randomBytes(2 * 1024 * 1024);
  const half = big.byteLength / 2;

  it("is a short download to a file, several times over, without crashing", async () => {
    const server = await serveFile(big, { mode: "cut-unsized" });
    const dir = await tempDir();
    for (let i = 0; i < 5; i++) {
      const path = join(dir, `${i}.part`);
      const result = await downloadToFile(server.fileUrl, path, fast);
      expect(result.size).toBe(half);
      expect(await readFile(path)).toEqual(big.subarray(0, half));
    }
  });

  it("is a short hash and a short temporary file", async () => {
    const server = await serveFile(big, { mode: "cut-unsized" });
    expect((await downloadToHash(server.fileUrl, fast)).size).toBe(half);
    const source = await openHttpSource(server.fileUrl, { ...fast, allowFullDownload: true });
    expect(source.downloadedWhole).toBe(true);
    expect(source.size).toBe(half);
    await source.close();
  });
});
