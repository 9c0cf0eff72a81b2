// The test servers are shared with the zip and checkpoint tests: pin their Range semantics.
import { afterAll, describe, expect, it } from "vitest";
import { closeAllServers, serveFile } from "../support/http-servers.ts";

afterAll(closeAllServers);

const content = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);

async function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  const response = await fetch(url, { headers, method });
  const body = new Uint8Array(await response.arrayBuffer());
  return {
    status: response.status,
    range: response.headers.get("content-range"),
    length: response.headers.get("content-length"),
    etag: response.headers.get("etag"),
    body,
  };
}

describe("serveFile", () => {
  it("answers suffix, bounded and open-ended ranges, HEAD and unsatisfiable ranges", async () => {
    const server = await serveFile(content, { etag: '"e1"' });
    expect(await get(server.fileUrl, { range: "bytes=-10" })).toMatchObject({ status: 206, range: "bytes 990-999/1000", body: content.subarray(990) });
    expect(await get(server.fileUrl, { range: "bytes=-5000" })).toMatchObject({ status: 206, range: "bytes 0-999/1000" });
    expect(await get(server.fileUrl, { range: "bytes=10-19" })).toMatchObject({
      status: 206,
      range: "bytes 10-19/1000",
      length: "10",
      body: content.subarray(10, 20),
    });
    expect(await get(server.fileUrl, { range: "bytes=995-" })).toMatchObject({ status: 206, range: "bytes 995-999/1000", body: content.subarray(995) });
    expect(await get(server.fileUrl, { range: "bytes=1000-" })).toMatchObject({ status: 416, range: "bytes */1000" });
    expect(await get(server.fileUrl)).toMatchObject({ status: 200, length: "1000", etag: '"e1"', body: content });
    expect(await get(server.fileUrl, {}, "HEAD")).toMatchObject({ status: 200, length: "1000", body: new Uint8Array() });
    expect(server.stats.bytesSent).toBe(10 + 1000 + 10 + 5 + 1000);
    expect(server.stats.log.map((r) => r.status)).toEqual([206, 206, 206, 206, 416, 200, 200]);
  });

  it("ignores Range in ignore-range mode", async () => {
    const server = await serveFile(content, { mode: "ignore-range" });
    expect(await get(server.fileUrl, { range: "bytes=0-9" })).toMatchObject({ status: 200, body: content });
  });
});
