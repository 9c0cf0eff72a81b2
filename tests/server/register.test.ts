// PUT /api/v1/register end to end: a real checkpoint served with Range requests on 127.0.0.1 becomes an
// entry; the same URL twice (even at once) is one registration; ids held by other checkpoints are 409s; bad
// requests, missing or wrong tokens and floods are refused with problem documents, writing nothing.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAllServers } from "../support/http-servers.ts";
import { register, serveCheckpoints, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";

afterAll(closeAllServers);

let registry: TestRegistry;
let files: Awaited<ReturnType<typeof serveCheckpoints>>;
beforeAll(async () => {
  registry = await startTestRegistry();
  files = await serveCheckpoints(["aifs-test", "twice", "at-once", "aila-v2", "renamed", "pending-a", "pending-b"]);
});
afterAll(() => registry.close());

const revision = async () => (await (await registry.call("/api/v1/health")).json()).revision as number;
const registrationCount = () => Number((registry.db.prepare("SELECT count(*) AS n FROM registrations").get() as { n: number }).n);

describe("registering a checkpoint", () => {
  it("reads it into an entry that GET /checkpoints then shows, at a new revision", async () => {
    const before = await revision();
    const response = await register(registry, { url: files.urlOf("aifs-test") });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(response.headers.get("location")).toBe(`/api/v1/registrations/${accepted.registration}`);
    expect(accepted).toMatchObject({
      url: files.urlOf("aifs-test"),
      id: "aifs-test",
      state: "queued",
      attempts: 0,
      location: response.headers.get("location"),
    });

    const done = await settled(registry, accepted.location);
    expect(done).toMatchObject({ state: "registered", attempts: 1, revision: before + 1 });
    expect(done.warnings).toContain("model task unknown (no config.training.model_task)");
    expect(done.finishedAt! >= done.startedAt!).toBe(true);

    const entry = await (await registry.call("/api/v1/checkpoints/aifs-test")).json();
    expect(entry.source).toEqual({ url: files.urlOf("aifs-test"), sizeBytes: 46325 });
    expect(entry.model.timestep).toBe("6h");
    expect(entry.pickle.verdict).toBe("safe");
    const all = await (await registry.call("/api/v1/checkpoints")).json();
    expect(all.revision).toBe(before + 1);
    expect(Object.keys(all.checkpoints)).toContain("aifs-test");
    // Read with Range requests: a few, never the whole file at once.
    const reads = files.stats.log.filter((r) => r.path === "/m/aifs-test.ckpt");
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.range !== undefined)).toBe(true);
  });

  it("answers the same URL again with the existing registration", async () => {
    const first = await (await register(registry, { url: files.urlOf("twice") })).json();
    const again = await register(registry, { url: `${files.urlOf("twice")}#fragment` });
    expect(again.status).toBe(200);
    expect((await again.json()).registration).toBe(first.registration);
    await settled(registry, first.location);
    const after = await register(registry, { url: files.urlOf("twice") });
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ registration: first.registration, state: "registered" });
  });

  it("makes one registration of twenty submissions of one URL at once", async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => register(registry, { url: files.urlOf("at-once") })));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(bodies.map((b) => b.registration)).size).toBe(1);
    expect(await settled(registry, bodies[0].location)).toMatchObject({ state: "registered" });
  });

  it("refuses an id that another checkpoint holds, and a URL under another entry's id", async () => {
    const taken = await register(registry, { url: files.urlOf("aila-v2") });
    expect(taken.status).toBe(409);
    expect((await taken.json()).detail).toMatch(/^the id "aila-v2" is taken by another checkpoint \(https:\/\/.*\); pass another "id"$/);
    const renamed = await register(registry, { url: files.urlOf("aifs-test"), id: "renamed" });
    expect(renamed.status).toBe(409);
    expect((await renamed.json()).detail).toBe(
      `${files.urlOf("aifs-test")} is registered as "aifs-test" (registration ${registry.db.prepare("SELECT id FROM registrations WHERE url = ?").get(files.urlOf("aifs-test"))!.id}), not "renamed"`,
    );
  });

  it("refuses an id being registered for another URL", async () => {
    const slow = await serveCheckpoints(["slow"], { delayMs: 1500 });
    const first = await register(registry, { url: slow.urlOf("slow"), id: "pending-id" });
    expect(first.status).toBe(202);
    const second = await register(registry, { url: files.urlOf("pending-b"), id: "pending-id" });
    expect(second.status).toBe(409);
    expect((await second.json()).detail).toMatch(
      /^the id "pending-id" is being registered for another checkpoint \(http:\/\/127\.0\.0\.1:\d+\/m\/slow\.ckpt, registration [0-9a-f-]+\); pass another "id"$/,
    );
    expect(await settled(registry, (await first.json()).location)).toMatchObject({ state: "registered" });
  });

  it("records why a URL that is no checkpoint failed, and lets it be submitted again", async () => {
    const missing = await (await register(registry, { url: files.url("/m/missing.ckpt") })).json();
    const failed = await settled(registry, missing.location);
    expect(failed).toMatchObject({ state: "failed", attempts: 1 });
    expect(failed.reason).toMatch(/404/);
    const again = await register(registry, { url: files.url("/m/missing.ckpt") });
    expect(again.status).toBe(202);
    expect((await again.json()).registration).not.toBe(missing.registration);
  });
});

describe("refusals, each a problem document with nothing written", () => {
  const cases: Array<[string, () => Promise<Response>, number, RegExp | string]> = [
    [
      "no token",
      () => registry.call("/api/v1/register", { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" }),
      401,
      'this needs a bearer token with the "register" scope',
    ],
    [
      "an unknown token",
      () =>
        fetch(`${registry.url}/api/v1/register`, {
          method: "PUT",
          headers: { authorization: "Bearer fmr_not-a-real-token", "content-type": "application/json" },
          body: "{}",
        }),
      401,
      "the token is not valid (unknown or revoked)",
    ],
    [
      "a token of another scope",
      () => registry.call("/api/v1/register", { method: "PUT", as: "worker", headers: { "content-type": "application/json" }, body: "{}" }),
      403,
      /has the "worker" scope; this needs "register"$/,
    ],
    [
      "malformed JSON",
      () => registry.call("/api/v1/register", { method: "PUT", as: "register", headers: { "content-type": "application/json" }, body: '{"url": ' }),
      400,
      "the request body is not valid JSON: invalid JSON: Unexpected end of JSON input (line 1, column 9)",
    ],
    [
      "an empty body",
      () => registry.call("/api/v1/register", { method: "PUT", as: "register", headers: { "content-type": "application/json" }, body: "" }),
      400,
      "the request body is empty; send a JSON object",
    ],
    [
      "a body that is not JSON",
      () => registry.call("/api/v1/register", { method: "PUT", as: "register", headers: { "content-type": "text/plain" }, body: "url=x" }),
      415,
      "send the body as application/json",
    ],
    ["a huge body", () => register(registry, { url: `https://example.org/${"x".repeat(20_000)}.ckpt` }), 413, "the request body is over the 16384-byte limit"],
    ["a wrong type", () => register(registry, { url: 42 }), 400, "the registration request is not valid"],
    ["an unknown field", () => register(registry, { url: "https://example.org/m.ckpt", sha256: "00" }), 400, "the registration request is not valid"],
    ["a URL that is not http(s)", () => register(registry, { url: "ftp://example.org/m.ckpt" }), 400, "the registration request is not valid"],
    [
      "a URL with credentials",
      () => register(registry, { url: "https://user:secret@example.org/m.ckpt" }),
      400,
      "url: credentials in a URL are refused (they would be published with the entry)",
    ],
    [
      "a URL without a usable file name",
      () => register(registry, { url: "https://example.org/" }),
      400,
      'no checkpoint id can be made from the URL\'s file name; pass "id"',
    ],
    [
      "a prototype key",
      () =>
        registry.call("/api/v1/register", {
          method: "PUT",
          as: "register",
          headers: { "content-type": "application/json" },
          body: '{"url": "https://example.org/m.ckpt", "__proto__": {"x": 1}}',
        }),
      400,
      /^the request body is not valid JSON: .*__proto__.* \(line 1, column 39\)$/,
    ],
  ];

  for (const [what, send, status, detail] of cases) {
    it(`refuses ${what} with ${status}`, async () => {
      const before = [await revision(), registrationCount()];
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
      const problem = await response.json();
      expect(problem.status).toBe(status);
      if (typeof detail === "string") expect(problem.detail).toBe(detail);
      else expect(problem.detail).toMatch(detail);
      expect([await revision(), registrationCount()]).toEqual(before);
    });
  }

  it("names the invalid fields", async () => {
    const problem = await (await register(registry, { url: 42, id: "../x" })).json();
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(["url", "id"]);
  });

  it("says how to authenticate", async () => {
    const response = await registry.call("/api/v1/register", { method: "PUT", body: "{}", headers: { "content-type": "application/json" } });
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="fiab-model-registry"');
    const wrongScope = await registry.call("/api/v1/register", { method: "PUT", as: "worker", body: "{}", headers: { "content-type": "application/json" } });
    expect(wrongScope.headers.get("www-authenticate")).toBe('Bearer realm="fiab-model-registry", error="insufficient_scope", scope="register"');
  });

  it("refuses a revoked token at once", async () => {
    const { createToken, revokeToken } = await import("../../tooling/server/tokens.ts");
    const made = createToken(registry.db, "register", "soon-revoked");
    const send = () =>
      fetch(`${registry.url}/api/v1/register`, {
        method: "PUT",
        headers: { authorization: `Bearer ${made.token}`, "content-type": "application/json" },
        body: JSON.stringify({ url: files.urlOf("renamed") }),
      });
    revokeToken(registry.db, "soon-revoked");
    expect((await send()).status).toBe(401);
  });

  it("refuses a header block over 16 KiB with 431", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      request(`${registry.url}/api/v1/health`, { headers: { "x-padding": "x".repeat(20_000) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(431);
  });

  it("refuses a private address at once unless the server allows private networks", async () => {
    const strict = await startTestRegistry({ allowPrivateNetwork: false });
    try {
      const response = await register(strict, { url: "http://127.0.0.1:9/m/model.ckpt" });
      expect(response.status).toBe(400);
      expect((await response.json()).detail).toBe("url: 127.0.0.1 is a loopback address; the server reads only public addresses");
      const metadata = await register(strict, { url: "http://[::ffff:169.254.169.254]/latest/model.ckpt" });
      expect(metadata.status).toBe(400);
      expect((await metadata.json()).detail).toMatch(/^url: ::ffff:a9fe:a9fe is an IPv4-mapped address of 169\.254\.169\.254, a link-local address/);
    } finally {
      await strict.close();
    }
  });
});

describe("the rate limit", () => {
  it("lets a token submit so many registrations a minute, then answers 429 with Retry-After", async () => {
    const limited = await startTestRegistry({ registrationsPerMinute: 3 });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await register(limited, { url: `https://example.org/m-${i}.ckpt` })).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
      const refused = await register(limited, { url: "https://example.org/m-9.ckpt" });
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await refused.json()).detail).toBe("this token may register 3 checkpoints a minute; retry in 1 minute");
      // Another token has its own allowance.
      const other = await limited.call("/api/v1/register", {
        method: "PUT",
        as: "admin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: "https://example.org/m-5.ckpt" }),
      });
      expect(other.status).toBe(202);
    } finally {
      await limited.close();
    }
  });
});
