// Refusing non-public addresses on real requests: the URL's own host, names that resolve inward, and
// redirects from an allowed server to refused ones, refused before any connection is attempted. The only
// server is on 127.0.0.1; the refused targets (10.0.0.1, 169.254.169.254) are never dialled, which the
// socket diagnostics channel proves.
import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { downloadToFile, downloadToHash } from "../../tooling/http/download.ts";
import { HttpStatusError, PrivateNetworkError } from "../../tooling/http/errors.ts";
import { openHttpSource } from "../../tooling/http/range-source.ts";
import { tempDir } from "../support/helpers.ts";
import { closeAllServers, file, redirect, serveFile, startServer } from "../support/http-servers.ts";

afterAll(closeAllServers);

const content = randomBytes(64 * 1024);
const fast = { retries: 3, timeoutMs: 2000, backoffMs: 1, tailBytes: 4096 };
/** The test servers' loopback network allowed, everything else non-public refused. */
const loopbackOnly = { ...fast, allowedNetworks: ["127.0.0.0/8"] };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("should have failed"),
    (error: unknown) => error as Error,
  );

// Every client socket made in the process, and where those that connected went.
let sockets: Socket[] = [];
let connected: string[] = [];
const onSocket = (message: unknown) => {
  const { socket } = message as { socket: Socket };
  sockets.push(socket);
  socket.once("connect", () => connected.push(socket.remoteAddress ?? "?"));
};
beforeEach(() => {
  sockets = [];
  connected = [];
  subscribe("net.client.socket", onSocket);
});
afterEach(() => {
  unsubscribe("net.client.socket", onSocket);
});

describe("a URL whose host is not public", () => {
  it("is refused without a connection or a retry, naming the address and the way to allow it", async () => {
    const server = await serveFile(content);
    const error = await failure(openHttpSource(server.fileUrl, fast));
    expect(error).toBeInstanceOf(PrivateNetworkError);
    expect(error.message).toBe(`GET ${server.fileUrl} (Range: bytes=-4096): 127.0.0.1 is a loopback address; pass --allow-private-network to allow it`);
    expect(error).toMatchObject({ retryable: false, attempts: 1 });
    expect(server.stats.requests).toBe(0);
    expect(sockets).toEqual([]);
  });

  it("is refused in any notation the URL parser turns into it", async () => {
    const server = await serveFile(content);
    const port = new URL(server.base).port;
    for (const host of ["0x7f.1", "2130706433", "127.1", "0177.0.0.1", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0", "[::]"]) {
      const error = await failure(openHttpSource(`http://${host}:${port}/file`, fast));
      expect(error, host).toBeInstanceOf(PrivateNetworkError);
      expect(error.message, host).toMatch(
        / is (a loopback address|an IPv4-mapped address of 127\.0\.0\.1, a loopback address|the unspecified address \(it reaches this machine\)); pass --allow-private-network/,
      );
    }
    expect(server.stats.requests).toBe(0);
    expect(connected).toEqual([]);
  });

  it("is refused when a name resolves to it, at the lookup the socket itself uses", async () => {
    const server = await serveFile(content);
    const url = `http://localhost:${new URL(server.base).port}/file`;
    const error = await failure(openHttpSource(url, fast));
    expect(error).toBeInstanceOf(PrivateNetworkError);
    expect(error.message).toMatch(/: localhost is refused: its address is a loopback address; pass --allow-private-network to allow it$/);
    expect(error.message).not.toMatch(/127\.0\.0\.1|::1/);
    expect(server.stats.requests).toBe(0);
    expect(connected).toEqual([]);
  });

  it("is refused by the whole-file downloads too", async () => {
    const server = await serveFile(content);
    await expect(downloadToHash(server.fileUrl, fast)).rejects.toThrow(PrivateNetworkError);
    await expect(downloadToFile(server.fileUrl, join(await tempDir(), "x.part"), fast)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(server.stats.requests).toBe(0);
  });

  it("is read with allowPrivateNetwork, or when its network is in allowedNetworks", async () => {
    const server = await serveFile(content);
    const source = await openHttpSource(server.fileUrl, { ...fast, allowPrivateNetwork: true });
    expect(source.size).toBe(content.byteLength);
    await source.close();
    const allowed = await openHttpSource(server.fileUrl, loopbackOnly);
    expect(allowed.size).toBe(content.byteLength);
    await allowed.close();
    await expect(openHttpSource(server.fileUrl, { ...fast, allowedNetworks: ["127.0.0.0"] })).rejects.toThrow(
      /"127\.0\.0\.0" is not a network in CIDR notation/,
    );
  });
});

describe("a redirect from an allowed server", () => {
  async function redirecting() {
    return startServer({
      "/to-private": redirect("http://10.0.0.1/model.ckpt"),
      "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
      "/to-mapped": redirect("http://[::ffff:10.0.0.1]/model.ckpt"),
      "/to-name": redirect("/model.ckpt", { absolute: true }),
      "/to-file": redirect("file:///etc/passwd"),
      "/model.ckpt": file(content),
    });
  }

  it.each([
    ["/to-private", "http://10.0.0.1/model.ckpt", "10.0.0.1 is a private address (RFC 1918)"],
    ["/to-metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address (where cloud metadata services live)"],
    ["/to-mapped", "http://[::ffff:a00:1]/model.ckpt", "::ffff:a00:1 is an IPv4-mapped address of 10.0.0.1, a private address (RFC 1918)"],
  ])("to a refused address (%s) fails before connecting there", async (path, target, why) => {
    const server = await redirecting();
    const error = await failure(openHttpSource(server.url(path), loopbackOnly));
    expect(error).toBeInstanceOf(PrivateNetworkError);
    expect(error.message).toBe(`GET ${target} (Range: bytes=-4096): ${why}; pass --allow-private-network to allow it`);
    expect(server.stats.log.map((r) => r.path)).toEqual([path]);
    // One socket, to the test server: none was even made for the refused target.
    expect(sockets.length).toBe(connected.length);
    expect(new Set(connected)).toEqual(new Set(["127.0.0.1"]));
  });

  it("to an allowed address is followed", async () => {
    const server = await redirecting();
    const source = await openHttpSource(server.url("/to-name"), loopbackOnly);
    expect(source.finalUrl).toBe(server.url("/model.ckpt"));
    await source.close();
  });

  it("to anything but http(s) is refused", async () => {
    const server = await redirecting();
    const error = await failure(openHttpSource(server.url("/to-file"), loopbackOnly));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.message).toBe(`GET ${server.url("/to-file")} (Range: bytes=-4096): redirect 302 to "file:///etc/passwd", which is not an http(s) URL`);
  });
});
