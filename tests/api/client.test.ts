// The one HTTP client of the server's API against a real HTTP server on 127.0.0.1: the token goes as a bearer
// header; a problem document becomes a ServerCallError with its status, its detail escaped; an answer over the
// cap, one that does not come within the deadline, and a server that is not there are errors a caller can tell
// apart (transient or not).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, ServerCallError } from "../../tooling/api/client.ts";

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; authorization: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", authorization: request.headers.authorization, body });
      if (request.url === "/api/v1/ok") response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ echo: body }));
      else if (request.url === "/api/v1/lost")
        response
          .writeHead(409, { "content-type": "application/problem+json" })
          .end(JSON.stringify({ type: "about:blank", title: "Conflict", status: 409, detail: "not yours\u001b]0;owned\u0007\nany more" }));
      else if (request.url === "/api/v1/busy") response.writeHead(503).end("down for maintenance");
      else if (request.url === "/api/v1/huge") response.writeHead(200).end("x".repeat(10_000));
      else if (request.url === "/api/v1/slow") setTimeout(() => response.writeHead(200).end("{}"), 3_000);
      else response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const failure = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServerCallError);
  return error as ServerCallError;
};

describe("the API client", () => {
  it("sends the token and a JSON body, and reads the answer", async () => {
    const api = new ApiClient(base, "fmr_secret");
    expect(await api.json("POST", "/ok", { json: { a: 1 }, timeoutMs: 5_000, maxBytes: 1024 })).toEqual({ echo: '{"a":1}' });
    expect(seen.at(-1)).toEqual({ method: "POST", url: "/api/v1/ok", authorization: "Bearer fmr_secret", body: '{"a":1}' });
    await new ApiClient(base).json("GET", "/ok", { timeoutMs: 5_000, maxBytes: 1024 });
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it("turns a problem document into an error with its status, the detail escaped on one line", async () => {
    const error = await failure(new ApiClient(base, "t").call("POST", "/lost", { json: {}, timeoutMs: 5_000 }));
    expect(error.status).toBe(409);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(`POST ${base}api/v1/lost: 409 not yours\\x1b]0;owned\\x07 any more`);
  });

  it("calls a failure of the server's own, or no server at all, transient", async () => {
    const busy = await failure(new ApiClient(base).call("GET", "/busy", { timeoutMs: 5_000 }));
    expect([busy.status, busy.transient, busy.message]).toEqual([503, true, `GET ${base}api/v1/busy: 503 down for maintenance`]);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const gone = await failure(new ApiClient(`http://127.0.0.1:${port}`).call("GET", "/ok", { timeoutMs: 5_000 }));
    expect([gone.status, gone.transient]).toEqual([undefined, true]);
    expect(gone.message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/api/v1/ok: .*ECONNREFUSED`));
  });

  it("reads no more than the cap, and waits no longer than the deadline", async () => {
    const huge = await failure(new ApiClient(base).json("GET", "/huge", { timeoutMs: 5_000, maxBytes: 1_000 }));
    expect(huge.message).toBe(`GET ${base}api/v1/huge: the answer is over 1000 bytes`);
    const slow = await failure(new ApiClient(base).json("GET", "/slow", { timeoutMs: 300, maxBytes: 1_000 }));
    expect([slow.status, slow.message]).toEqual([undefined, `GET ${base}api/v1/slow: no answer within 0.3 s`]);
  });
});
