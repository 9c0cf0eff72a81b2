// fetchRegistry against a real HTTP server on 127.0.0.1: ETag caching and 304, the cached copy when the
// network is down, tolerance, Ed25519 signatures (tampered, missing, another key, rotation), pinned
// revisions, size caps, and rollbacks (an older signed document served again) refused.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { fetchRegistry, RegistryFetchError, RollbackError, SignatureError, type StorageLike } from "../../src/client/index.ts";
import { closeAllServers, startServer, type TestServer } from "../support/http-servers.ts";
import { documentRoute, type DocumentRoute } from "../support/document-route.ts";
import { makeKey, realEntries, registryDocument, sha256Hex, signatureFile } from "../support/signing.ts";

afterAll(closeAllServers);

const entries = realEntries();
const ids = Object.keys(entries).sort();
const key = makeKey();
let server: TestServer;
let routes: Record<string, DocumentRoute>;
let doc: Uint8Array;

beforeEach(async () => {
  doc = registryDocument(entries, { revision: 42, publishedAt: "2026-11-28T12:00:00Z" });
  routes = { "/modelRegistry.json": documentRoute(doc), "/modelRegistry.json.sig": documentRoute(signatureFile(doc, key)) };
  server = await startServer(routes);
});

const log = () => server.stats.log.map((r) => `${r.path} ${r.status}`);
const tamper = (bytes: Uint8Array) => new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"linux"', '"LINUX"'));

describe("fetchRegistry: caching", () => {
  it("reads every real entry with the revision, then a second fetch sends the ETag and a 304 reuses the cache", async () => {
    const cache = new Map<string, string>();
    const first = await fetchRegistry(server.base, { cache });
    expect([...first.checkpoints.keys()].sort()).toEqual(ids);
    expect(first).toMatchObject({ revision: 42, publishedAt: "2026-11-28T12:00:00Z", origin: "network", verified: false });
    const second = await fetchRegistry(server.base, { cache });
    expect(second.origin).toBe("not-modified");
    expect([...second.checkpoints.keys()].sort()).toEqual(ids);
    expect(log()).toEqual(["/modelRegistry.json 200", "/modelRegistry.json 304"]);
  });

  it("works with a localStorage-like cache", async () => {
    const items: Record<string, string> = {};
    const storage: StorageLike = { getItem: (k) => items[k] ?? null, setItem: (k, v) => void (items[k] = v) };
    await fetchRegistry(server.base, { cache: storage });
    expect((await fetchRegistry(server.base, { cache: storage })).origin).toBe("not-modified");
  });

  it("the network down: the cached copy, saying how old it is; without a cache an error", async () => {
    const cache = new Map<string, string>();
    await fetchRegistry(`${server.base}/`, { cache });
    await server.close();
    const offline = await fetchRegistry(`${server.base}/`, { cache });
    expect(offline.origin).toBe("offline");
    expect(offline.stale).toMatchObject({ ageSeconds: expect.any(Number), error: expect.stringContaining("127.0.0.1") });
    expect(offline.checkpoints.size).toBe(ids.length);
    await expect(fetchRegistry(server.base, { cache: new Map() })).rejects.toThrow(/127\.0\.0\.1/);
  });

  it("older documents without revision or publishedAt are read", async () => {
    routes["/modelRegistry.json"]!.body = registryDocument({ "imerg-gt": entries["imerg-gt"] });
    expect(await fetchRegistry(server.base)).toMatchObject({ revision: undefined, publishedAt: undefined });
  });

  it("an entry for a newer schema version is skipped with a warning; unknown values read as unknown", async () => {
    const newer = { ...entries["aila-v2"], schemaVersion: 2 };
    const odd = { ...entries["imerg-gt"], futureField: 1, infrastructure: { supportedOs: ["linux", "haiku"] } };
    routes["/modelRegistry.json"]!.body = registryDocument({ "aila-v2": newer, "imerg-gt": odd });
    const read = await fetchRegistry(server.base);
    expect([...read.checkpoints.keys()]).toEqual(["imerg-gt"]);
    expect(read.checkpoints.get("imerg-gt")!.infrastructure!.supportedOs).toEqual(["linux", "unknown"]);
    expect(read.warnings).toEqual([{ checkpointId: "aila-v2", message: "skipped: written for schema version 2, this reader knows up to 1" }]);
  });

  it("caps the document's size and names what is not JSON", async () => {
    await expect(fetchRegistry(server.base, { maxBytes: 1000 })).rejects.toThrow(/more than the 1000 this client accepts/);
    routes["/modelRegistry.json"]!.body = new TextEncoder().encode("<html>maintenance</html>");
    await expect(fetchRegistry(server.base)).rejects.toThrow(/modelRegistry\.json: not JSON/);
  });

  it("an abort stops the fetch without falling back to the cache", async () => {
    const cache = new Map<string, string>();
    await fetchRegistry(server.base, { cache });
    await expect(fetchRegistry(server.base, { cache, signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
  });
});

describe("fetchRegistry: signatures", () => {
  it("verifies with a PEM or a base64 raw key", async () => {
    expect((await fetchRegistry(server.base, { publicKey: key.pem })).verified).toBe(true);
    expect((await fetchRegistry(server.base, { publicKey: key.raw })).checkpoints.size).toBe(ids.length);
  });

  it("refuses a document with one byte changed after signing", async () => {
    routes["/modelRegistry.json"]!.body = tamper(doc);
    await expect(fetchRegistry(server.base, { publicKey: key.pem })).rejects.toThrow(SignatureError);
    await expect(fetchRegistry(server.base, { publicKey: key.pem })).rejects.toThrow(/does not match the document's bytes/);
  });

  it("refuses a tampered update even with a good cached copy (no fallback)", async () => {
    const cache = new Map<string, string>();
    await fetchRegistry(server.base, { cache, publicKey: key.pem });
    routes["/modelRegistry.json"]!.body = tamper(doc);
    await expect(fetchRegistry(server.base, { cache, publicKey: key.pem })).rejects.toThrow(SignatureError);
  });

  it("a stale .sig beside a new document is resolved by the pinned copy's .sig", async () => {
    const newer = registryDocument({ "imerg-gt": entries["imerg-gt"] }, { revision: 43 });
    routes["/modelRegistry.json"]!.body = newer;
    await expect(fetchRegistry(server.base, { publicKey: key.pem })).rejects.toThrow(/does not match/);
    routes[`/revisions/${sha256Hex(newer)}/modelRegistry.json.sig`] = documentRoute(signatureFile(newer, key));
    const cache = new Map<string, string>();
    expect((await fetchRegistry(server.base, { publicKey: key.pem, cache })).revision).toBe(43);
    expect((await fetchRegistry(server.base, { publicKey: key.pem, cache })).origin).toBe("not-modified");
  });

  it("re-verifies the cached copy on a 304", async () => {
    const cache = new Map<string, string>();
    await fetchRegistry(server.base, { cache, publicKey: key.pem });
    const [cacheKey, value] = [...cache.entries()][0]!;
    const cached = JSON.parse(value);
    cache.set(cacheKey, JSON.stringify({ ...cached, body: cached.body.replace('"linux"', '"LINUX"') }));
    await expect(fetchRegistry(server.base, { cache, publicKey: key.pem })).rejects.toThrow(/cached .*does not match/);
  });

  it("refuses a missing signature and a signature by another key", async () => {
    const other = makeKey();
    await expect(fetchRegistry(server.base, { publicKey: other.pem })).rejects.toThrow(
      `no ed25519 signature by the configured key ${other.keyId} (signed by: ${key.keyId})`,
    );
    delete (routes as Record<string, unknown>)["/modelRegistry.json.sig"];
    await expect(fetchRegistry(server.base, { publicKey: key.pem })).rejects.toThrow(/modelRegistry\.json\.sig: missing/);
  });

  it("during a key rotation any signature by the configured key counts", async () => {
    const next = makeKey();
    routes["/modelRegistry.json.sig"]!.body = signatureFile(doc, key, next);
    expect((await fetchRegistry(server.base, { publicKey: next.raw })).verified).toBe(true);
    expect((await fetchRegistry(server.base, { publicKey: key.raw })).verified).toBe(true);
  });

  it("rejects a key that is not Ed25519 or not 32 bytes", async () => {
    await expect(fetchRegistry(server.base, { publicKey: "AAAA" })).rejects.toThrow(/expected 32 raw bytes, found 3/);
  });
});

describe("fetchRegistry: a pinned revision", () => {
  it("reads /revisions/<sha256>/, checks the digest and signature, then needs no network", async () => {
    const revision = sha256Hex(doc);
    routes[`/revisions/${revision}/modelRegistry.json`] = documentRoute(doc);
    routes[`/revisions/${revision}/modelRegistry.json.sig`] = documentRoute(signatureFile(doc, key));
    const cache = new Map<string, string>();
    expect((await fetchRegistry(server.base, { revision, publicKey: key.pem, cache })).origin).toBe("network");
    expect((await fetchRegistry(server.base, { revision, publicKey: key.pem, cache })).origin).toBe("cache");
    expect(log()).toEqual([`/revisions/${revision}/modelRegistry.json 200`, `/revisions/${revision}/modelRegistry.json.sig 200`]);
  });

  it("refuses bytes that do not hash to the pin, and a pin that is no digest", async () => {
    const revision = sha256Hex(doc);
    routes[`/revisions/${revision}/modelRegistry.json`] = documentRoute(tamper(doc));
    await expect(fetchRegistry(server.base, { revision })).rejects.toThrow(/not the pinned revision/);
    await expect(fetchRegistry(server.base, { revision: "../keys.json" })).rejects.toThrow(RegistryFetchError);
  });
});

describe("fetchRegistry: rollbacks", () => {
  const signed = (body: Uint8Array) => {
    routes["/modelRegistry.json"]!.body = body;
    routes["/modelRegistry.json.sig"]!.body = signatureFile(body, key);
  };
  const older = () => registryDocument({ "imerg-gt": entries["imerg-gt"] }, { revision: 41, publishedAt: "2026-11-27T12:00:00Z" });

  it("refuses a signed older document served after a newer one was cached, saying what it refused, and keeps the newer", async () => {
    const cache = new Map<string, string>();
    expect((await fetchRegistry(server.base, { cache, publicKey: key.pem })).revision).toBe(42);
    signed(older());
    const error = await fetchRegistry(server.base, { cache, publicKey: key.pem }).then(
      () => expect.unreachable(),
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(RollbackError);
    expect(error.message).toMatch(
      new RegExp(
        `^${server.base}/modelRegistry\\.json: refused an older registry document than the one held since \\S+ \\(a rollback\\): its revision 41 is older than revision 42, the document held; pass allowRollback: true to accept it$`,
      ),
    );
    // The cache still holds revision 42: once the host serves it again, a 304.
    signed(doc);
    expect((await fetchRegistry(server.base, { cache, publicKey: key.pem })).origin).toBe("not-modified");
  });

  it("accepts the older document when told to", async () => {
    const cache = new Map<string, string>();
    await fetchRegistry(server.base, { cache });
    signed(older());
    expect((await fetchRegistry(server.base, { cache, allowRollback: true })).revision).toBe(41);
  });

  it("orders a static site's commits by publishedAt: earlier is refused, the same time or later is taken, none is refused", async () => {
    const commit = (revision: string, publishedAt?: string) =>
      registryDocument({ "imerg-gt": entries["imerg-gt"] }, { revision, ...(publishedAt ? { publishedAt } : {}) });
    const cache = new Map<string, string>();
    signed(commit("b2c3d4e", "2026-11-28T12:00:00Z"));
    await fetchRegistry(server.base, { cache });
    signed(commit("a1b2c3d", "2026-11-28T11:59:59Z"));
    await expect(fetchRegistry(server.base, { cache })).rejects.toThrow(
      /it was published at 2026-11-28T11:59:59Z \(revision a1b2c3d\), before 2026-11-28T12:00:00Z \(revision b2c3d4e\), the document held/,
    );
    signed(commit("c3d4e5f"));
    await expect(fetchRegistry(server.base, { cache })).rejects.toThrow(/it has no publishedAt, and the document held was published at 2026-11-28T12:00:00Z/);
    signed(commit("d4e5f6a", "2026-11-28T12:00:00Z"));
    expect((await fetchRegistry(server.base, { cache })).revision).toBe("d4e5f6a");
    signed(commit("e5f6a7b", "2026-11-29T08:00:00Z"));
    expect((await fetchRegistry(server.base, { cache })).revision).toBe("e5f6a7b");
  });

  it("orders a server's revisions as numbers, and a cache written before the ordering was recorded by its body", async () => {
    const cache = new Map<string, string>();
    await fetchRegistry(server.base, { cache });
    const [cacheKey, value] = [...cache.entries()][0]!;
    const { revision: _r, publishedAt: _p, ...older } = JSON.parse(value);
    cache.set(cacheKey, JSON.stringify(older));
    signed(registryDocument({ "imerg-gt": entries["imerg-gt"] }, { revision: 9, publishedAt: "2026-12-01T00:00:00Z" }));
    await expect(fetchRegistry(server.base, { cache })).rejects.toThrow(/its revision 9 is older than revision 42/);
    signed(registryDocument({ "imerg-gt": entries["imerg-gt"] }, { revision: 43 }));
    expect((await fetchRegistry(server.base, { cache })).revision).toBe(43);
  });
});
