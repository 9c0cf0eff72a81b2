// The download cache of verify-unpickling: keyed by sha256, resumed with Range, checked against the entry.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachedCheckpoint } from "../../tooling/checkpoint/cache.ts";
import { fixture, tempDir } from "../support/helpers.ts";
import { closeAllServers, serveFile } from "../support/http-servers.ts";

afterAll(closeAllServers);

const bytes = await readFile(fixture("anemoi/registry-dummy-checkpoint.ckpt"));
const sha256 = createHash("sha256").update(bytes).digest("hex");

describe("checkpoint cache", () => {
  it("downloads once, keyed by sha256, and then serves the cached copy", async () => {
    const server = await serveFile(bytes);
    const cacheDir = await tempDir();
    const path = await cachedCheckpoint(server.fileUrl, { sha256, sizeBytes: bytes.length }, { cacheDir, timeoutMs: 5000, allowPrivateNetwork: true });
    expect(path).toBe(join(cacheDir, `${sha256}.ckpt`));
    expect(await readFile(path)).toEqual(bytes);
    const requests = server.stats.requests;
    await cachedCheckpoint(server.fileUrl, { sha256 }, { cacheDir, timeoutMs: 5000, allowPrivateNetwork: true });
    expect(server.stats.requests).toBe(requests);
  });

  it("resumes an interrupted download with a Range request", async () => {
    const server = await serveFile(bytes);
    const cacheDir = await tempDir();
    await writeFile(join(cacheDir, `${sha256}.ckpt.part`), bytes.subarray(0, 20000));
    const path = await cachedCheckpoint(server.fileUrl, { sha256, sizeBytes: bytes.length }, { cacheDir, timeoutMs: 5000, allowPrivateNetwork: true });
    expect(await readFile(path)).toEqual(bytes);
    expect(server.stats.log.map((r) => r.range)).toEqual(["bytes=20000-"]);
    expect(server.stats.bytesSent).toBe(bytes.length - 20000);
  });

  it("discards a download whose sha256 does not match the entry", async () => {
    const server = await serveFile(bytes);
    const cacheDir = await tempDir();
    const wrong = "0".repeat(64);
    await expect(cachedCheckpoint(server.fileUrl, { sha256: wrong }, { cacheDir, timeoutMs: 5000, allowPrivateNetwork: true })).rejects.toThrow(
      `sha256 ${sha256} does not match the entry's ${wrong}; the download was discarded`,
    );
    expect(existsSync(join(cacheDir, `${wrong}.ckpt`))).toBe(false);
    expect(existsSync(join(cacheDir, `${wrong}.ckpt.part`))).toBe(false);
  });

  it("discards a body cut short where nothing said how long it was (200 without Content-Length)", async () => {
    const server = await serveFile(bytes, { mode: "cut-unsized" });
    const cacheDir = await tempDir();
    const half = Math.floor(bytes.length / 2);
    await expect(
      cachedCheckpoint(server.fileUrl, { sha256, sizeBytes: bytes.length }, { cacheDir, timeoutMs: 5000, allowPrivateNetwork: true }),
    ).rejects.toThrow(`downloaded ${half} bytes, the entry says ${bytes.length}; the download was discarded`);
    expect(existsSync(join(cacheDir, `${sha256}.ckpt.part`))).toBe(false);
  });

  it("refuses loopback URLs unless allowPrivateNetwork", async () => {
    const server = await serveFile(bytes);
    await expect(cachedCheckpoint(server.fileUrl, { sha256 }, { cacheDir: await tempDir(), timeoutMs: 5000 })).rejects.toThrow(
      /127\.0\.0\.1 is a loopback address; pass --allow-private-network/,
    );
    expect(server.stats.requests).toBe(0);
  });

  it("refuses more bytes than the entry's size", async () => {
    const server = await serveFile(bytes);
    await expect(
      cachedCheckpoint(server.fileUrl, { sizeBytes: 100 }, { cacheDir: await tempDir(), timeoutMs: 5000, allowPrivateNetwork: true }),
    ).rejects.toThrow(`the file is ${bytes.length} bytes, more than the 100 bytes accepted`);
  });

  it("refuses more than --max-bytes for a URL without an entry, leaving no file behind", async () => {
    const server = await serveFile(bytes);
    const cacheDir = await tempDir();
    await expect(cachedCheckpoint(server.fileUrl, {}, { cacheDir, maxBytes: 1000, timeoutMs: 5000, allowPrivateNetwork: true })).rejects.toThrow(
      `the file is ${bytes.length} bytes, more than the 1000 bytes accepted`,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
