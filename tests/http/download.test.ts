import { createHash, randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { downloadToHash } from "../../tooling/http/download.ts";
import { HttpStatusError } from "../../tooling/http/errors.ts";
import { closeAllServers, file, flaky, redirect, serveFile, sparseFile, startServer } from "../support/http-servers.ts";

afterAll(closeAllServers);

const content = randomBytes(3 * 1024 * 1024 + 17);
const sha256 = createHash("sha256").update(content).digest("hex");
const fast = { retries: 0, timeoutMs: 2000, backoffMs: 1, allowPrivateNetwork: true };

describe("downloadToHash", () => {
  it("hashes the whole file through redirects, reporting progress", async () => {
    const server = await startServer({
      "/resolve/model.ckpt": redirect("/cdn/model.ckpt", { headers: { "x-linked-etag": `"${sha256}"` } }),
      "/cdn/model.ckpt": file(content),
    });
    const progress: Array<[number, number | undefined]> = [];
    const result = await downloadToHash(server.url("/resolve/model.ckpt"), { ...fast, onProgress: (done, total) => progress.push([done, total]) });
    expect(result).toMatchObject({ sha256, size: content.byteLength, finalUrl: server.url("/cdn/model.ckpt"), linkedEtag: sha256 });
    expect(result.stats).toEqual({ requests: 2, bytes: content.byteLength });
    expect(progress.at(-1)).toEqual([content.byteLength, content.byteLength]);
    expect(server.stats.log.map((r) => r.range)).toEqual([undefined, undefined]);
  });

  it("starts again from zero after a failure", async () => {
    const server = await startServer({ "/file": flaky(file(content), { failures: 1, status: 502 }) });
    const result = await downloadToHash(server.url("/file"), { ...fast, retries: 1 });
    expect(result.sha256).toBe(sha256);
    expect(result.stats.requests).toBe(2);
  });

  it("never hashes part of a body cut short, and restarts from zero", async () => {
    const server = await serveFile(content, { mode: "truncate" });
    const error = (await downloadToHash(server.fileUrl, fast).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/: body ended after \d+ of 3145745 bytes \(other side closed\) \(gave up after 1 attempt\)$/);

    const route = file(content, { mode: "truncate" });
    const once = await startServer({
      "/file": (req, res, context) => {
        const answer = route(req, res, context);
        route.options.mode = "range"; // the route read its mode already: only this answer is cut
        return answer;
      },
    });
    const result = await downloadToHash(once.url("/file"), { ...fast, retries: 1 });
    expect(result).toMatchObject({ sha256, size: content.byteLength });
    expect(result.stats.requests).toBe(2);
  });

  it("hashes a file served from disk", async () => {
    const sparse = await sparseFile(8 * 1024 * 1024, content.subarray(0, 1000));
    try {
      const server = await serveFile({ path: sparse.path });
      const expected = createHash("sha256")
        .update(new Uint8Array(8 * 1024 * 1024 - 1000))
        .update(content.subarray(0, 1000))
        .digest("hex");
      expect((await downloadToHash(server.fileUrl, fast)).sha256).toBe(expected);
    } finally {
      await sparse.remove();
    }
  });

  it("lets the caller's own errors through unretried", async () => {
    const server = await serveFile(content);
    const stop = new Error("cancelled by the user");
    const onProgress = () => {
      throw stop;
    };
    await expect(downloadToHash(server.fileUrl, { ...fast, retries: 3, onProgress })).rejects.toBe(stop);
    expect(server.stats.requests).toBe(1);
  });

  it("fails on a status other than 200", async () => {
    const server = await startServer({});
    await expect(downloadToHash(server.url("/nothing"), fast)).rejects.toThrow(HttpStatusError);
    await expect(downloadToHash(server.url("/nothing"), fast)).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/nothing: server answered 404 Not Found, expected 200 OK/,
    );
  });
});
