// The acceptance script clients/python/examples/fiab_like.py, as FIAB would run it against a signed registry
// on 127.0.0.1: it lists what fits this host, fetches one checkpoint verified, and a second run costs one
// conditional GET answered 304 (no signature fetch, no download).
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/helpers.ts";
import { closeAllServers, file, startServer } from "../support/http-servers.ts";
import { documentRoute } from "../support/document-route.ts";
import { clientPython, clientRoot, pythonClientUnavailable } from "../support/python-client.ts";
import { makeKey, realEntries, registryDocument, sha256Hex, signatureFile } from "../support/signing.ts";

afterAll(closeAllServers);
const unavailable = await pythonClientUnavailable();
const id = "aifs-global-o48";

describe.skipIf(unavailable !== undefined)("examples/fiab_like.py", () => {
  it("lists, fetches verified, and a second run uses one 304 and nothing else", async () => {
    const checkpoint = randomBytes(2 * 1024 * 1024 + 3);
    const key = makeKey();
    const routes: Record<string, any> = { "/files/o48.ckpt": file(checkpoint) };
    const server = await startServer(routes);
    const entries = realEntries();
    entries[id].source = { ...entries[id].source, url: server.url("/files/o48.ckpt"), sizeBytes: checkpoint.byteLength, sha256: sha256Hex(checkpoint) };
    const doc = registryDocument(entries, { revision: "abc1234", publishedAt: "2026-11-28T12:00:00Z" });
    routes["/modelRegistry.json"] = documentRoute(doc);
    routes["/modelRegistry.json.sig"] = documentRoute(signatureFile(doc, key));
    const dir = await tempDir();
    await writeFile(join(dir, "key.pem"), key.pem);
    const run = () =>
      execa(
        clientPython,
        ["examples/fiab_like.py", "--url", server.base, "--cache-dir", join(dir, "cache"), "--public-key", join(dir, "key.pem"), "--id", id],
        { cwd: clientRoot, reject: false, env: { PYTHONDONTWRITEBYTECODE: "1" } },
      );

    const first = await run();
    expect(first.exitCode, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out.compatible).toContain(id);
    expect(out.compatible).not.toContain(out.host.arch === "x86_64" ? "aifs-single-mse-1.1_w_flash_attn_aarch64" : "aifs-single-mse-1.1_w_flash_attn");
    expect(out.registryFromCache).toBe(false);
    expect(await readFile(out.fetched.path)).toEqual(checkpoint);
    expect(server.stats.log.map((r) => `${r.path} ${r.status}`)).toEqual(["/modelRegistry.json 200", "/modelRegistry.json.sig 200", "/files/o48.ckpt 200"]);

    server.resetStats();
    const second = await run();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ registryFromCache: true, fetched: { id, path: out.fetched.path } });
    expect(server.stats.log.map((r) => `${r.path} ${r.status}`)).toEqual(["/modelRegistry.json 304"]);

    // The same script refuses a registry changed after signing, cache or not.
    (routes["/modelRegistry.json"] as { body: Uint8Array }).body = new TextEncoder().encode(new TextDecoder().decode(doc).replace('"linux"', '"LINUX"'));
    const tampered = await run();
    expect(tampered.exitCode).toBe(1);
    expect(tampered.stderr).toContain("does not match the document's bytes");
  });
});
