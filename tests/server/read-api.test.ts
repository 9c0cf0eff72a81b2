// Reading the registry server: the same documents as the static build's pages for the same entries, with
// ETags, 304s, compression, CORS and caching headers; and an OpenAPI document whose schemas hold for what the
// server really answers.
import { rename } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fiabView, modelRegistryDocument, publishedEntry } from "../../src/publish/documents.ts";
import type { LoadedEntry } from "../../src/registry/entries.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { register, serveCheckpoints, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";
import { copyOfEntries, fixtureEntryCount } from "../support/helpers.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";
import { openApiPath } from "../../tooling/server/route.ts";
import { routes } from "../../tooling/server/routes.ts";

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.close());

/** A GET through node:http, which shows the bytes as sent (fetch() would decode them). */
function raw(path: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${registry.url}${path}`, { headers }, (res) => {
      if (res.statusCode !== 200 && res.statusCode !== 304) reject(new Error(`${path}: ${res.statusCode}`));
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

describe("GET /api/v1/checkpoints", () => {
  it("is the static modelRegistry.json with the revision, byte for byte", async () => {
    const response = await registry.call("/api/v1/checkpoints");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const staticBody = JSON.stringify(modelRegistryDocument(await loadValidEntries(registry.entriesDir)));
    const expected = staticBody.replace(/^\{"schemaVersion":1,/, '{"schemaVersion":1,"revision":1,');
    expect(expected).not.toBe(staticBody);
    expect(await response.text()).toBe(expected);
  });

  it("gives FIAB's store views with ?contract=, byte for byte", async () => {
    const entries = await loadValidEntries(registry.entriesDir);
    for (const contract of ["core-1", "core-2"] as const) {
      const response = await registry.call(`/api/v1/checkpoints?contract=${contract}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(JSON.stringify(fiabView(entries, contract).store));
    }
  });

  it("answers If-None-Match with 304, in any encoding's tag, and a changed tag with the document", async () => {
    const first = await registry.call("/api/v1/checkpoints", { headers: { "accept-encoding": "identity" } });
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=60, stale-while-revalidate=300");
    expect(first.headers.get("vary")).toBe("Accept-Encoding");
    const again = await registry.call("/api/v1/checkpoints", { headers: { "if-none-match": etag, "accept-encoding": "identity" } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const brTag = etag.replace(/"$/, '-br"');
    expect((await registry.call("/api/v1/checkpoints", { headers: { "if-none-match": `"other", W/${brTag}` } })).status).toBe(304);
    expect((await registry.call("/api/v1/checkpoints", { headers: { "if-none-match": '"stale"' } })).status).toBe(200);
  });

  it("answers revalidations of every published document with the fields a 304 must repeat, and CORS for browsers", async () => {
    for (const path of ["/api/v1/checkpoints", "/api/v1/checkpoints?contract=core-1", "/api/v1/checkpoints?contract=core-2", "/api/v1/checkpoints/aila-v2"]) {
      const etag = (await raw(path, { "accept-encoding": "br" })).headers.etag as string;
      // Before routing (exact URLs), and through the routes (an ignored parameter): the same answer.
      for (const url of [path, `${path}${path.includes("?") ? "&" : "?"}cache-buster=1`]) {
        const plain = await raw(url, { "accept-encoding": "br", "if-none-match": etag });
        expect(plain.body.length, url).toBe(0);
        expect(plain.headers, url).toMatchObject({ etag, "cache-control": "public, max-age=60, stale-while-revalidate=300", vary: "Accept-Encoding" });
        const browser = await raw(url, { "accept-encoding": "br", "if-none-match": etag, origin: "https://fiab.example.org" });
        expect(browser.headers, url).toMatchObject({ etag, "access-control-allow-origin": "*", "access-control-expose-headers": "ETag, Location" });
      }
    }
    const head = await registry.call("/api/v1/checkpoints/aila-v2", {
      method: "HEAD",
      headers: { "if-none-match": (await registry.call("/api/v1/checkpoints/aila-v2", { method: "HEAD" })).headers.get("etag")! },
    });
    expect(head.status).toBe(304);
  });

  it("compresses with br or gzip as Accept-Encoding asks, each with its own strong ETag", async () => {
    const plain = Buffer.from(await (await registry.call("/api/v1/checkpoints")).arrayBuffer());
    const br = await raw("/api/v1/checkpoints", { "accept-encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(br.body)).toEqual(plain);
    expect(br.body.length).toBeLessThan(plain.length / 4);
    const gz = await raw("/api/v1/checkpoints", { "accept-encoding": "gzip;q=1, br;q=0" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body)).toEqual(plain);
    const none = await raw("/api/v1/checkpoints", { "accept-encoding": "identity" });
    expect(none.headers["content-encoding"]).toBeUndefined();
    expect(none.body).toEqual(plain);
    expect(new Set([br.headers.etag, gz.headers.etag, none.headers.etag]).size).toBe(3);
  });

  it("answers full reads of every published document before routing as the routes do, from bytes made once", async () => {
    for (const path of ["/api/v1/checkpoints", "/api/v1/checkpoints?contract=core-1", "/api/v1/checkpoints/aila-v2"]) {
      for (const encoding of ["identity", "br", "gzip"]) {
        // Through the routes (an ignored parameter), which make a compressed copy the first time; then before routing.
        const routed = await raw(`${path}${path.includes("?") ? "&" : "?"}cache-buster=1`, { "accept-encoding": encoding });
        const fast = await raw(path, { "accept-encoding": encoding });
        const fields = ({ date: _date, ...rest }: Record<string, unknown>) => rest;
        expect(fields(fast.headers), `${path} ${encoding}`).toEqual(fields(routed.headers));
        expect(fast.body.equals(routed.body), `${path} ${encoding}`).toBe(true);
      }
    }
  });

  it("lets any origin read, and offers no cross-origin writes", async () => {
    const read = await registry.call("/api/v1/checkpoints", { headers: { origin: "https://fiab.example.org" } });
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
    expect(read.headers.get("access-control-expose-headers")).toBe("ETag, Location");
    const preflight = await registry.call("/api/v1/checkpoints", {
      method: "OPTIONS",
      headers: { origin: "https://fiab.example.org", "access-control-request-method": "GET", "access-control-request-headers": "if-none-match" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("if-none-match");
  });

  it("answers HEAD with the headers only", async () => {
    const head = await registry.call("/api/v1/checkpoints", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toMatch(/^"/);
    expect(await head.text()).toBe("");
  });

  it("refuses an unknown contract with a problem naming the parameter", async () => {
    const response = await registry.call("/api/v1/checkpoints?contract=core-3");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
    expect(await response.json()).toMatchObject({ type: "urn:fiab-model-registry:problem:bad-request", status: 400, errors: [{ path: "contract" }] });
  });
});

describe("documents made from each entry's part", () => {
  it("keep JSON.stringify's key order for ids that are numbers, and follow every change", async () => {
    const dir = await copyOfEntries();
    await rename(join(dir, "imerg-gt.json"), join(dir, "20.json"));
    await rename(join(dir, "aifs-global-o48.json"), join(dir, "3.json"));
    const numbered = await startTestRegistry({ entriesDir: dir });
    try {
      const entries = await loadValidEntries(dir);
      expect(entries.map((e) => e.id).slice(0, 2)).toEqual(["20", "3"]);
      const text = async (path: string) => (await numbered.call(path, { headers: { "accept-encoding": "identity" } })).text();
      const registryText = (revision: number, list: LoadedEntry[]) =>
        JSON.stringify(modelRegistryDocument(list)).replace(/^\{"schemaVersion":1,/, `{"schemaVersion":1,"revision":${revision},`);
      expect(await text("/api/v1/checkpoints")).toBe(registryText(1, entries));
      for (const contract of ["core-1", "core-2"] as const)
        expect(await text(`/api/v1/checkpoints?contract=${contract}`)).toBe(JSON.stringify(fiabView(entries, contract).store));
      // A registration adds an entry, with a number for its id; the next documents hold it, in place.
      const files = await serveCheckpoints(["7"]);
      const answer = await register(numbered, { url: files.urlOf("7") });
      expect((await settled(numbered, answer.headers.get("location")!)).state).toBe("registered");
      const added = { id: "7", file: "7", entry: JSON.parse(await text("/api/v1/checkpoints/7")) };
      const after = [...entries, added].sort((a, b) => byCodePoint(a.id, b.id));
      expect(await text("/api/v1/checkpoints")).toBe(registryText(2, after));
      expect(Object.keys(JSON.parse(await text("/api/v1/checkpoints")).checkpoints).slice(0, 4)).toEqual(["3", "7", "20", "BRIS-2025.10"]);
      for (const contract of ["core-1", "core-2"] as const)
        expect(await text(`/api/v1/checkpoints?contract=${contract}`)).toBe(JSON.stringify(fiabView(after, contract).store));
      await files.close();
    } finally {
      await numbered.close();
    }
  });
});

describe("GET /api/v1/checkpoints/{id}", () => {
  it("is the static /checkpoints/<id>.json, byte for byte", async () => {
    const entries = await loadValidEntries(registry.entriesDir);
    expect(entries.length).toBe(fixtureEntryCount);
    for (const { id, entry } of entries) {
      const response = await registry.call(`/api/v1/checkpoints/${id}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(`${JSON.stringify(publishedEntry(entry), null, 2)}\n`);
    }
  });

  it("answers an unknown id with 404 and a non-id with 400, as problems", async () => {
    const missing = await registry.call("/api/v1/checkpoints/no-such-model");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      type: "urn:fiab-model-registry:problem:not-found",
      title: "Not found",
      status: 404,
      detail: 'no checkpoint "no-such-model"',
      instance: "/api/v1/checkpoints/no-such-model",
    });
    const bad = await registry.call("/api/v1/checkpoints/..%2F..%2Fetc");
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toBe('"../../etc" is not a checkpoint id');
  });
});

describe("other routes", () => {
  it("reports health", async () => {
    const response = await registry.call("/api/v1/health");
    expect(await response.json()).toEqual({ status: "ok", revision: 1, entries: fixtureEntryCount, registrations: { queued: 0, extracting: 0 } });
  });

  it("answers an unknown route with a 404 problem that points at the OpenAPI document", async () => {
    const response = await registry.call("/api/v2/checkpoints");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
    expect((await response.json()).detail).toBe("no route for /api/v2/checkpoints; see /api/v1/openapi.json");
  });
});

describe("the declared routes", () => {
  it("are each answered by the server with the method declared, a token asked for where they have a scope", async () => {
    expect(routes.length).toBeGreaterThan(10);
    for (const route of routes) {
      // A path parameter that fits no schema: a routed request is refused by the route (400, 404, or 401 first).
      const path = `/api/v1${route.path.replace(/:\w+/g, "x")}`;
      const response = await registry.call(path, { method: route.method });
      const text = await response.text();
      const problem = response.status >= 400 ? JSON.parse(text) : undefined;
      expect([response.status, problem?.detail ?? ""], `${route.method} ${path}`).not.toEqual([404, expect.stringMatching(/^no route for/)]);
      expect(response.status, `${route.method} ${path}`).not.toBe(405);
      if (route.scope)
        expect([response.status, problem?.detail], `${route.method} ${path}`).toEqual([401, `this needs a bearer token with the "${route.scope}" scope`]);
    }
  });
});

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 whose every $ref resolves, and whose schemas hold for the server's answers", async () => {
    const doc = await (await registry.call("/api/v1/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    // One path per declared route (routes.ts), in the order declared; each operation says its route's scope.
    expect(Object.keys(doc.paths)).toEqual([...new Set(routes.map((route) => `/api/v1${openApiPath(route.path)}`))]);
    for (const route of routes) {
      const operation = doc.paths[`/api/v1${openApiPath(route.path)}`][route.method.toLowerCase()];
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.security, route.operationId).toEqual(route.scope ? [{ bearer: [route.scope] }] : undefined);
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
    }
    // The entry schema appears once, referenced from the checkpoints document.
    expect(doc.components.schemas.CheckpointsDocument.properties.checkpoints.additionalProperties).toEqual({ $ref: "#/components/schemas/Entry" });

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: "openapi.json", ...doc });
    const check = async (component: string, path: string, status = 200) => {
      const response = await registry.call(path);
      expect(response.status).toBe(status);
      const validate = ajv.getSchema(`openapi.json#/components/schemas/${component}`)!;
      const body = await response.json();
      expect(validate(body), `${path}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    };
    await check("CheckpointsDocument", "/api/v1/checkpoints");
    await check("FiabStore", "/api/v1/checkpoints?contract=core-2");
    await check("Entry", "/api/v1/checkpoints/aifs-single-mse-1.1_w_sdpa");
    await check("Health", "/api/v1/health");
    await check("Changes", "/api/v1/changes?since=0");
    await check("Problem", "/api/v1/checkpoints/nope", 404);
  });
});
