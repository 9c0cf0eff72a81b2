// The registry server against requests an attacker or a broken client sends: every error, including those Node's
// parser and Fastify's router raise before any route runs, is an RFC 9457 problem document; ids of every valid
// length can be read back; strings must be well-formed Unicode; job listings need a token; and what a refused or
// compressed checkpoint URL left in a registration's reason says nothing of how the server resolves names.
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAllServers, startServer } from "../support/http-servers.ts";
import { register, serveCheckpoints, settled, startTestRegistry, type TestRegistry } from "../support/registry-server.ts";

afterAll(closeAllServers);

let registry: TestRegistry;
let files: Awaited<ReturnType<typeof serveCheckpoints>>;
beforeAll(async () => {
  registry = await startTestRegistry();
  files = await serveCheckpoints(["long-id"]);
});
afterAll(() => registry.close());

const problemType = "application/problem+json; charset=utf-8";

/** Sends `raw` bytes on a fresh connection and reads everything until the server closes it (bounded). */
function rawExchange(raw: string | Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(registry.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("no answer within 10 s"))), 10_000);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
  });
}

describe("ids of every valid length", () => {
  const longId = `a${"b".repeat(126)}c`;

  it("registers a 128-character id and reads it back, and queues its verification", async () => {
    expect(longId).toHaveLength(128);
    const accepted = await register(registry, { url: files.urlOf("long-id"), id: longId });
    expect(accepted.status).toBe(202);
    expect(await settled(registry, (await accepted.json()).location)).toMatchObject({ state: "registered", id: longId });
    const read = await registry.call(`/api/v1/checkpoints/${longId}`);
    expect(read.status).toBe(200);
    expect((await read.json()).source.url).toBe(files.urlOf("long-id"));
    const earlier = await registry.call(`/api/v1/checkpoints/${longId}?revision=1`);
    expect(earlier.status).toBe(404);
    // No platforms here: the route is reached (409), not cut off by the router.
    const verify = await registry.call(`/api/v1/checkpoints/${longId}/verify`, { method: "POST", as: "admin" });
    expect([verify.status, (await verify.json()).type]).toEqual([409, "urn:fiab-model-registry:problem:no-platforms"]);
  });

  it("answers a 129-character id with 400 and a 300-character path segment with 414, both problems", async () => {
    const tooLong = await registry.call(`/api/v1/checkpoints/${longId}x`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers.get("content-type")).toBe(problemType);
    const huge = await registry.call(`/api/v1/checkpoints/${"x".repeat(300)}`);
    expect(huge.status).toBe(414);
    expect(huge.headers.get("content-type")).toBe(problemType);
    expect(await huge.json()).toEqual({
      type: "urn:fiab-model-registry:problem:uri-too-long",
      title: "URI too long",
      status: 414,
      detail: "a path segment is over the 256-character limit",
      instance: `/api/v1/checkpoints/${"x".repeat(300)}`,
    });
  });
});

describe("every error is a problem document", () => {
  it("a malformed percent-encoding in the path: 400", async () => {
    const response = await registry.call("/api/v1/checkpoints/%E0%A4%A");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe(problemType);
    expect((await response.json()).detail).toBe("the URL is not valid: its path holds a malformed percent-encoding");
  });

  it("an unknown route: 404; a known route with another method: 405 with Allow", async () => {
    const unknown = await registry.call("/api/v1/nothing-here", { method: "POST" });
    expect([unknown.status, unknown.headers.get("content-type")]).toEqual([404, problemType]);
    const wrongMethod = await registry.call("/api/v1/checkpoints", { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, HEAD");
    expect(await wrongMethod.json()).toMatchObject({
      type: "urn:fiab-model-registry:problem:method-not-allowed",
      detail: "/api/v1/checkpoints answers GET, HEAD, not DELETE",
    });
    const getRegister = await registry.call("/api/v1/register");
    expect([getRegister.status, getRegister.headers.get("allow")]).toEqual([405, "PUT"]);
    const withParam = await registry.call("/api/v1/checkpoints/some-id/verify");
    expect([withParam.status, withParam.headers.get("allow")]).toEqual([405, "POST"]);
  });

  it("a header block over the limit, on a raw socket: 431", async () => {
    const answer = await rawExchange(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Padding: ${"x".repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.headers["content-type"]).toBe(problemType);
    expect(JSON.parse(answer.body)).toMatchObject({ type: "urn:fiab-model-registry:problem:headers-too-large", status: 431 });
  });

  it("a request line that is too long: 431 too, as a problem", async () => {
    const answer = await rawExchange(`GET /api/v1/checkpoints?q=${"x".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect([answer.status, answer.headers["content-type"]]).toEqual([431, problemType]);
  });

  it.each([
    ["bytes that are not HTTP", "HELLO THERE\r\n\r\n"],
    ["a bad Content-Length", "PUT /api/v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"],
    ["two different Content-Lengths", "PUT /api/v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"],
    [
      "a bad chunk size",
      "PUT /api/v1/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
    ],
  ])("framing errors (%s): 400", async (_what, raw) => {
    const answer = await rawExchange(raw);
    expect(answer.status).toBe(400);
    expect(answer.headers["content-type"]).toBe(problemType);
    expect(JSON.parse(answer.body)).toMatchObject({
      type: "urn:fiab-model-registry:problem:bad-request",
      status: 400,
      detail: expect.stringMatching(/^the request is not valid HTTP\/1\.1 \(HPE_\w+\)$/),
    });
  });

  it("a compressed request body is refused, not decoded", async () => {
    const response = await registry.call("/api/v1/register", {
      method: "PUT",
      as: "register",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ url: "https://example.org/zip.ckpt" })),
    });
    expect([response.status, response.headers.get("content-type")]).toEqual([400, problemType]);
  });
});

describe("strings must be well-formed Unicode", () => {
  it("a lone surrogate in a registration's URL is refused naming the field, and nothing is registered", async () => {
    const before = registry.db.prepare("SELECT count(*) AS n FROM registrations").get();
    const response = await registry.call("/api/v1/register", {
      method: "PUT",
      as: "register",
      headers: { "content-type": "application/json" },
      body: '{"url": "https://example.org/\\ud800.ckpt"}',
    });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.detail).toBe(
      "the request body is refused: url: the text holds a lone surrogate (\\ud800): text must be well-formed Unicode (line 1, column 9)",
    );
    expect(problem.errors).toEqual([{ path: "url", message: "the text holds a lone surrogate (\\ud800): text must be well-formed Unicode" }]);
    expect(registry.db.prepare("SELECT count(*) AS n FROM registrations").get()).toEqual(before);
  });

  it("so is one in an id, and a pair (an emoji) is fine where the field allows it", async () => {
    const lone = await registry.call("/api/v1/register", {
      method: "PUT",
      as: "register",
      headers: { "content-type": "application/json" },
      body: '{"url": "https://example.org/m.ckpt", "id": "x\\udc00"}',
    });
    expect((await lone.json()).errors).toEqual([{ path: "id", message: "the text holds a lone surrogate (\\udc00): text must be well-formed Unicode" }]);
    const pair = await registry.call("/api/v1/register", {
      method: "PUT",
      as: "register",
      headers: { "content-type": "application/json" },
      body: '{"url": "https://example.org/\\ud83d\\ude00.ckpt"}',
    });
    expect(pair.status).toBe(202);
  });
});

describe("job listings", () => {
  it("need a worker or admin token", async () => {
    const anonymous = await registry.call("/api/v1/jobs");
    expect([anonymous.status, anonymous.headers.get("content-type")]).toEqual([401, problemType]);
    expect((await registry.call("/api/v1/jobs", { as: "register" })).status).toBe(403);
    expect((await registry.call("/api/v1/jobs", { as: "worker" })).status).toBe(200);
    expect((await registry.call("/api/v1/jobs", { as: "admin" })).status).toBe(200);
    expect((await registry.call("/api/v1/jobs/00000000-0000-0000-0000-000000000000")).status).toBe(401);
    expect((await registry.call("/api/v1/jobs/00000000-0000-0000-0000-000000000000", { as: "worker" })).status).toBe(404);
  });
});

describe("what a failed registration says", () => {
  it("a name that resolves to this machine: the refusal, not the address", async () => {
    const strict = await startTestRegistry({ allowPrivateNetwork: false });
    try {
      const accepted = await register(strict, { url: `http://localhost:${new URL(files.base).port}/m/long-id.ckpt` });
      expect(accepted.status).toBe(202);
      const failed = await settled(strict, (await accepted.json()).location);
      expect(failed.state).toBe("failed");
      expect(failed.reason).toMatch(/localhost is refused: its address is a loopback address/);
      expect(failed.reason).not.toMatch(/127\.0\.0\.1|::1|resolves/);
    } finally {
      await strict.close();
    }
  });

  it("a checkpoint URL answered with a gzip body: refused, naming the URL and the encoding", async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const server = await startServer({
      "/bomb.ckpt": (_req, res) =>
        void res
          .writeHead(206, {
            "content-encoding": "gzip",
            "content-range": `bytes 0-${bomb.byteLength - 1}/${bomb.byteLength}`,
            "content-length": String(bomb.byteLength),
          })
          .end(bomb),
    });
    const accepted = await register(registry, { url: server.url("/bomb.ckpt") });
    const failed = await settled(registry, (await accepted.json()).location);
    expect(failed.state).toBe("failed");
    expect(failed.reason).toContain(`GET ${server.url("/bomb.ckpt")}`);
    expect(failed.reason).toContain('Content-Encoding "gzip" although identity was asked for');
  });
});
