import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { FileChangedError, TooLargeError } from "../../tooling/http/errors.ts";
import { openHttpSource } from "../../tooling/http/range-source.ts";
import { ByteSourceError } from "../../tooling/source/byte-source.ts";
import { closeAllServers, serveFile, sparseFile } from "../support/http-servers.ts";

afterAll(closeAllServers);

const KiB = 1024;
const content = randomBytes(1024 * KiB);
const fast = { retries: 0, timeoutMs: 2000, allowPrivateNetwork: true };

describe("openHttpSource", () => {
  it("learns the size and caches the tail with one suffix request", async () => {
    const server = await serveFile(content, { etag: '"v1"' });
    const source = await openHttpSource(server.fileUrl, { ...fast, tailBytes: 64 * KiB });
    expect(source.size).toBe(content.byteLength);
    expect(source.finalUrl).toBe(server.fileUrl);
    expect(source.etag).toBe('"v1"');
    expect(server.stats.log.map((r) => [r.range, r.status])).toEqual([["bytes=-65536", 206]]);
    expect(source.stats).toEqual({ requests: 1, bytes: 64 * KiB });

    const end = content.byteLength;
    expect(await source.read(end - 22, 22)).toEqual(new Uint8Array(content.subarray(end - 22)));
    expect(await source.read(end - 64 * KiB, 100)).toEqual(new Uint8Array(content.subarray(end - 64 * KiB, end - 64 * KiB + 100)));
    expect(source.stats.requests).toBe(1);

    expect(await source.read(1000, 500)).toEqual(new Uint8Array(content.subarray(1000, 1500)));
    expect(server.stats.log.at(-1)).toMatchObject({ range: "bytes=1000-1499", status: 206 });
    expect(source.stats).toEqual({ requests: 2, bytes: 64 * KiB + 500 });
    await source.close();
  });

  it("coalesces nearby prefetched ranges into one request and serves reads from them", async () => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, { ...fast, tailBytes: 16 * KiB, coalesceGap: 8 * KiB });
    await source.prefetch([
      { offset: 10_000, length: 300 },
      { offset: 1_000, length: 2_000 },
      { offset: 5_000, length: 100 }, // 2000 bytes after the previous: merged
      { offset: 400_000, length: 50 }, // far away: its own request
      { offset: content.byteLength - 1_000, length: 500 }, // already in the cached tail: no request
    ]);
    expect(
      server.stats.log
        .slice(1)
        .map((r) => r.range)
        .sort(),
    ).toEqual(["bytes=1000-10299", "bytes=400000-400049"]);

    const before = source.stats.requests;
    expect(await source.read(5_010, 50)).toEqual(new Uint8Array(content.subarray(5_010, 5_060)));
    expect(await source.read(10_200, 100)).toEqual(new Uint8Array(content.subarray(10_200, 10_300)));
    expect(await source.read(400_000, 50)).toEqual(new Uint8Array(content.subarray(400_000, 400_050)));
    expect(source.stats.requests).toBe(before);

    // Prefetching what is cached again costs nothing; a range overlapping the cache fetches only the rest.
    await source.prefetch([{ offset: 1_000, length: 9_300 }]);
    await source.prefetch([{ offset: 9_000, length: 2_000 }]);
    expect(server.stats.log.at(-1)?.range).toBe("bytes=10300-10999");
    expect(await source.read(1_000, 10_000)).toEqual(new Uint8Array(content.subarray(1_000, 11_000)));
    expect(source.stats.requests).toBe(before + 1);
    await source.close();
  });

  it("reads a 5 GiB sparse file with a few requests and a tiny fraction of its bytes", async () => {
    const size = 5 * 1024 ** 3;
    const marker = new TextEncoder().encode("end-of-central-directory");
    const sparse = await sparseFile(size, marker);
    try {
      const server = await serveFile({ path: sparse.path });
      const source = await openHttpSource(server.fileUrl, fast);
      expect(source.size).toBe(size);
      expect(await source.read(size - marker.byteLength, marker.byteLength)).toEqual(marker);
      await source.prefetch([
        { offset: 4 * 1024 ** 3, length: 4096 },
        { offset: 4 * 1024 ** 3 + 5_000, length: 300 },
      ]);
      expect(await source.read(4 * 1024 ** 3 + 5_000, 300)).toEqual(new Uint8Array(300));
      expect(source.stats.requests).toBe(2);
      expect(source.stats.bytes / size).toBeLessThan(0.001);
      expect(server.stats.bytesSent).toBe(source.stats.bytes);
      await source.close();
    } finally {
      await sparse.remove();
    }
  });

  it("opens a file smaller than the tail, and an empty file", async () => {
    const small = await serveFile(content.subarray(0, 100));
    const source = await openHttpSource(small.fileUrl, fast);
    expect(source.size).toBe(100);
    expect(await source.read(0, 100)).toEqual(new Uint8Array(content.subarray(0, 100)));
    expect(source.stats.requests).toBe(1);

    const empty = await serveFile(new Uint8Array());
    const none = await openHttpSource(empty.fileUrl, fast);
    expect(none.size).toBe(0);
    expect(await none.read(0, 0)).toEqual(new Uint8Array());
    expect(empty.stats.log[0]?.status).toBe(416);
  });

  it("refuses reads past the end, over maxReadBytes, or after close, without a request", async () => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, { ...fast, tailBytes: 1024, maxReadBytes: 4096 });
    await expect(source.read(content.byteLength - 10, 11)).rejects.toThrow(/beyond the end of the file \(1048576 bytes\)/);
    await expect(source.read(0, 5000)).rejects.toThrow(TooLargeError);
    await expect(source.prefetch([{ offset: 0, length: 5000 }])).rejects.toThrow(/refusing to read 5000 bytes at offset 0 .*maxReadBytes/);
    await source.close();
    await expect(source.read(content.byteLength - 10, 10)).rejects.toThrow(/read after close/);
    expect(server.stats.requests).toBe(1);
  });

  it("notices a file replaced since it was opened (size or ETag)", async () => {
    const server = await serveFile(content, { etag: '"v1"' });
    const source = await openHttpSource(server.fileUrl, { ...fast, tailBytes: 1024 });
    server.route.content = content.subarray(0, 1000 * KiB);
    const error = await source.read(0, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileChangedError);
    expect(error).toBeInstanceOf(ByteSourceError);
    expect((error as Error).message).toContain("file size changed from 1048576 to 1024000 bytes");

    server.route.content = content;
    server.route.options.etag = '"v2"';
    await expect(source.read(0, 10)).rejects.toThrow(/ETag changed from "v1" to "v2"/);
  });

  it("rejects URLs it cannot fetch before any request", async () => {
    await expect(openHttpSource("ftp://example.org/model.ckpt")).rejects.toThrow(/only http and https URLs can be read \(got ftp:\)/);
    await expect(openHttpSource("model.ckpt")).rejects.toThrow(/model.ckpt: not a valid URL/);
  });
});
