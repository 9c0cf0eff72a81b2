// Servers on 127.0.0.1 that answer as an attacker would: gzip, deflate and brotli bombs although identity was
// asked for, bodies longer or shorter than announced, bodies without a length that never end, and bodies at a
// byte a second. Every reader (whole-file downloads to a file, a hash or memory; the Range reader; the full
// download fallback) must refuse without decoding, write at most its cap, never hang, and name the URL and
// what was wrong.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants, deflateSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { downloadToFile, downloadToHash, downloadToMemory } from "../../tooling/http/download.ts";
import { ContentEncodingError, HttpNetworkError, TooLargeError, TooSlowError } from "../../tooling/http/errors.ts";
import { openHttpSource } from "../../tooling/http/range-source.ts";
import { tempDir } from "../support/helpers.ts";
import { closeAllServers, startServer, type TestServer } from "../support/http-servers.ts";

afterAll(closeAllServers);

const MiB = 1024 * 1024;
const fast = { retries: 0, timeoutMs: 5000, backoffMs: 1, allowPrivateNetwork: true };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("should have failed"),
    (error: unknown) => error as Error,
  );

// 64 MiB of zeros in a few KB: what decoding would have written.
const zeros = Buffer.alloc(64 * MiB);
const bombs = {
  gzip: gzipSync(zeros, { level: 9 }),
  deflate: deflateSync(zeros, { level: 9 }),
  br: brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
};

/** Answers every request with `body` encoded as `encoding`, as 200, or as a 206 of the range asked for. */
function bomb(encoding: keyof typeof bombs, options: { partial?: boolean } = {}) {
  const body = bombs[encoding];
  return (req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = { "content-encoding": encoding, "content-length": String(body.byteLength), etag: '"bomb"' };
    if (options.partial && req.headers.range) {
      // A plausible Content-Range for the bytes asked for, in a file of the decoded size.
      const suffix = /^bytes=-(\d+)$/.exec(req.headers.range);
      const start = suffix ? zeros.byteLength - Number(suffix[1]) : Number(/^bytes=(\d+)-/.exec(req.headers.range)?.[1] ?? 0);
      return void res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${zeros.byteLength - 1}/${zeros.byteLength}` }).end(body);
    }
    res.writeHead(200, headers).end(body);
  };
}

async function bombServer(encoding: keyof typeof bombs, options: { partial?: boolean } = {}): Promise<TestServer> {
  return startServer({ "/model.ckpt": bomb(encoding, options) });
}

/** A server that writes exactly `raw` on each connection (head and body as given), then closes or not. */
async function rawServer(respond: (socket: Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", () => respond(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/model.ckpt`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
const raws: Array<{ close: () => Promise<void> }> = [];
afterAll(() => Promise.all(raws.map((r) => r.close())));

describe("compression bombs are refused before a byte is decoded", () => {
  it.each(["gzip", "deflate", "br"] as const)("%s: a download to a file writes nothing, names the URL and the encoding", async (encoding) => {
    const server = await bombServer(encoding);
    const path = join(await tempDir(), "model.ckpt.part");
    const progress: number[] = [];
    const error = await failure(
      downloadToFile(server.url("/model.ckpt"), path, { ...fast, retries: 2, maxBytes: MiB, onProgress: (done) => progress.push(done) }),
    );
    expect(error).toBeInstanceOf(ContentEncodingError);
    expect(error.message).toBe(
      `GET ${server.url("/model.ckpt")}: server answered 200 with Content-Encoding "${encoding}" although identity was asked for; ` +
        "refused without decoding it (a compressed body has neither the announced length nor the byte offsets asked for)",
    );
    expect(progress).toEqual([]);
    expect(existsSync(path)).toBe(false);
    // Not retried: the server said what it would send.
    expect(server.stats.requests).toBe(1);
  });

  it("a download to a hash or to memory is refused the same way", async () => {
    const server = await bombServer("gzip");
    await expect(downloadToHash(server.url("/model.ckpt"), fast)).rejects.toThrow(ContentEncodingError);
    await expect(downloadToMemory(server.url("/model.ckpt"), { ...fast, maxBytes: 10 * MiB })).rejects.toThrow(
      /Content-Encoding "gzip" although identity was asked for/,
    );
  });

  it("the Range reader refuses an encoded 206, when opening and on later reads", async () => {
    const server = await bombServer("br", { partial: true });
    const error = await failure(openHttpSource(server.url("/model.ckpt"), { ...fast, tailBytes: 4096 }));
    expect(error).toBeInstanceOf(ContentEncodingError);
    expect(error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/model\.ckpt \(Range: bytes=-4096\): server answered 206 with Content-Encoding "br"/);
  });

  it("the full-download fallback refuses it and leaves no temporary file", async () => {
    const server = await bombServer("gzip");
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith("fiab-http-")).length;
    const error = await failure(openHttpSource(server.url("/model.ckpt"), { ...fast, tailBytes: 16, allowFullDownload: true }));
    expect(error).toBeInstanceOf(ContentEncodingError);
    expect((await readdir(tmpdir())).filter((name) => name.startsWith("fiab-http-")).length).toBe(before);
  });

  it("identity spelled out is accepted", async () => {
    const content = randomBytes(1000);
    const server = await startServer({
      "/f": (_req, res) => void res.writeHead(200, { "content-encoding": "identity", "content-length": "1000" }).end(content),
    });
    expect((await downloadToMemory(server.url("/f"), { ...fast, maxBytes: 2000 })).body).toEqual(Buffer.from(content));
  });
});

describe("lengths", () => {
  it("a body without a length that never ends: at most the cap reaches the file, checked while writing", async () => {
    const chunk = randomBytes(64 * 1024);
    const server = await startServer({
      "/endless": async (_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        for (let i = 0; i < 10_000 && !res.destroyed; i++)
          if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
        res.end();
      },
    });
    const path = join(await tempDir(), "endless.part");
    let most = 0;
    const error = await failure(
      downloadToFile(server.url("/endless"), path, {
        ...fast,
        maxBytes: 2 * MiB,
        onProgress: async () => {
          most = Math.max(most, (await stat(path)).size);
        },
      }),
    );
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/endless: \d+ bytes received, more than the 2097152 bytes accepted$/);
    expect(most).toBeLessThanOrEqual(2 * MiB);
    expect(existsSync(path)).toBe(false);
  });

  it("a server sending more than its Content-Length: only the announced bytes are taken", async () => {
    const body = randomBytes(10_000);
    const raw = await rawServer((socket) =>
      socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"), body])),
    );
    raws.push(raw);
    const path = join(await tempDir(), "more.part");
    const result = await downloadToFile(raw.url, path, fast);
    expect(result.size).toBe(100);
    expect(await readFile(path)).toEqual(body.subarray(0, 100));
  });

  it("a server sending less than its Content-Length: an error naming both lengths, and no file left", async () => {
    const raw = await rawServer((socket) =>
      socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n"), randomBytes(1200)])),
    );
    raws.push(raw);
    const path = join(await tempDir(), "less.part");
    const error = await failure(downloadToFile(raw.url, path, { ...fast, retries: 1 }));
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect(error.message).toMatch(
      new RegExp(`^GET ${raw.url}( \\(Range: bytes=1200-\\))?: body ended after \\d+ of 5000 bytes .*\\(gave up after 2 attempts\\)$`),
    );
    expect(existsSync(path)).toBe(false);
  });

  it("a Content-Length over the cap is refused before the body is read", async () => {
    const raw = await rawServer((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"));
    raws.push(raw);
    const error = await failure(downloadToMemory(raw.url, { ...fast, maxBytes: MiB }));
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error.message).toBe(`GET ${raw.url}: the server announces 1000000000000 bytes, more than the 1048576 bytes accepted`);
  });

  it("a resumed 206 longer than its Content-Range is cut where the range ends", async () => {
    const content = randomBytes(4000);
    const path = join(await tempDir(), "resume.part");
    await writeFile(path, content.subarray(0, 1000));
    const raw = await rawServer((socket) =>
      socket.end(
        Buffer.concat([
          Buffer.from("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 1000-3999/4000\r\nContent-Length: 3000\r\nConnection: close\r\n\r\n"),
          content.subarray(1000),
          randomBytes(5000),
        ]),
      ),
    );
    raws.push(raw);
    expect((await downloadToFile(raw.url, path, fast)).size).toBe(4000);
    expect(await readFile(path)).toEqual(content);
  });
});

describe("slow bodies", () => {
  it("a whole-file download at 1 byte/s stops once the grace period is over, naming the rate", async () => {
    const server = await startServer({
      "/slow": async (_req, res) => {
        res.writeHead(200, { "content-length": "100000" });
        for (let i = 0; i < 100 && !res.destroyed; i++) {
          res.write("x");
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        res.end();
      },
    });
    const path = join(await tempDir(), "slow.part");
    const started = Date.now();
    const error = await failure(downloadToFile(server.url("/slow"), path, { ...fast, retries: 2, rateGraceMs: 2000, minBytesPerSecond: 1024 }));
    expect(error).toBeInstanceOf(TooSlowError);
    expect(error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/slow: download too slow: \d bytes in [\d.]+ s, under the minimum average of 1024 bytes\/s required after 2000 ms/,
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(existsSync(path)).toBe(false);
    expect(server.stats.requests).toBe(1);
  });
});

describe("the partial file", () => {
  it("is never written through a link planted at its name", async () => {
    const dir = await tempDir();
    const target = join(dir, "victim");
    await writeFile(target, "keep me");
    const path = join(dir, "model.part");
    await symlink(target, path);
    const content = randomBytes(5000);
    const server = await startServer({ "/f": (_req, res) => void res.writeHead(200, { "content-length": "5000" }).end(content) });
    await downloadToFile(server.url("/f"), path, fast);
    expect(await readFile(target, "utf8")).toBe("keep me");
    expect(await readFile(path)).toEqual(content);
  });
});
