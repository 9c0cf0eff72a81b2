import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { TooManyRedirectsError } from "../../tooling/http/errors.ts";
import { openHttpSource } from "../../tooling/http/range-source.ts";
import { closeAllServers, file, redirect, startServer } from "../support/http-servers.ts";

afterAll(closeAllServers);

const content = randomBytes(200 * 1024);
const sha = "a".repeat(64);

// Like huggingface.co: /resolve/... answers 302 with X-Linked-Etag / X-Linked-Size, the CDN serves the bytes.
async function huggingFaceLike() {
  return startServer({
    "/org/model/resolve/main/model.ckpt": redirect("../../../../hop/model.ckpt", {
      headers: { "x-linked-etag": `"${sha}"`, "x-linked-size": String(content.byteLength), "x-repo-commit": "abc" },
    }),
    "/hop/model.ckpt": redirect("/cdn/model.ckpt?signature=secret", { absolute: true, headers: { "x-linked-etag": '"not-the-first"' } }),
    "/cdn/model.ckpt": file(content, { etag: '"cdn-etag"' }),
    "/loop-a": redirect("/loop-b"),
    "/loop-b": redirect("/loop-a"),
  });
}

describe("redirects", () => {
  it("follows relative and absolute Locations, keeps the first X-Linked-* headers and reuses the final URL", async () => {
    const server = await huggingFaceLike();
    const source = await openHttpSource(server.url("/org/model/resolve/main/model.ckpt"), { tailBytes: 1024, retries: 0, allowPrivateNetwork: true });
    expect(source.name).toBe(server.url("/org/model/resolve/main/model.ckpt"));
    expect(source.finalUrl).toBe(server.url("/cdn/model.ckpt?signature=secret"));
    expect(source.linkedEtag).toBe(sha);
    expect(source.linkedSize).toBe(content.byteLength);
    expect(source.etag).toBe('"cdn-etag"');
    expect(source.size).toBe(content.byteLength);
    expect(source.stats.requests).toBe(3);

    expect(await source.read(0, 100)).toEqual(new Uint8Array(content.subarray(0, 100)));
    await source.prefetch([{ offset: 5000, length: 10 }]);
    expect(server.stats.log.map((r) => r.path)).toEqual([
      "/org/model/resolve/main/model.ckpt",
      "/hop/model.ckpt",
      "/cdn/model.ckpt",
      "/cdn/model.ckpt",
      "/cdn/model.ckpt",
    ]);
    expect(source.stats.requests).toBe(5);
  });

  it("stops after maxRedirects and names the loop", async () => {
    const server = await huggingFaceLike();
    const error = await openHttpSource(server.url("/loop-a"), { maxRedirects: 3, allowPrivateNetwork: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRedirectsError);
    const message = (error as Error).message.replaceAll(server.base, "");
    expect(message).toBe("GET /loop-a (Range: bytes=-4096): more than 3 redirects (a redirect loop): /loop-a -> /loop-b -> /loop-a -> /loop-b -> /loop-a");
    expect(server.stats.requests).toBe(4);
  });

  it("keeps extra headers (credentials) to the first origin", async () => {
    const cdn = await startServer({ "/file": file(content) });
    const hub = await startServer({ "/file": redirect(cdn.url("/file")) });
    const seen: Array<string | undefined> = [];
    const spy = await startServer({
      "/file": (req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(302, { location: hub.url("/file") }).end();
      },
    });
    await openHttpSource(spy.url("/file"), { headers: { authorization: "Bearer token" }, allowPrivateNetwork: true });
    expect(seen).toEqual(["Bearer token"]);
    expect(hub.stats.log).toHaveLength(1);
    expect(cdn.stats.log).toHaveLength(1);
  });
});
