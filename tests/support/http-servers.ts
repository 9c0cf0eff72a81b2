// Real HTTP servers on 127.0.0.1 for tests that read over HTTP: a route table of files (served with
// Range support, ETag and Last-Modified like real servers, or one of several faults), redirects and flaky
// wrappers; requests and bytes are counted. The readers refuse private addresses by default: tests pass
// allowPrivateNetwork (or --allow-private-network) to read from these.
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";

/** Bytes in memory, or a file on disk streamed without loading it (may be a multi-GiB sparse file). */
export type Content = Uint8Array | { path: string };

export type FileMode =
  | "range" // honours Range: bytes=a-b, bytes=a-, bytes=-N
  | "ignore-range" // always 200 with the whole body
  | "truncate" // correct 206 headers, half the body, then the connection is destroyed
  | "short-body" // correct Content-Range, but a chunked body of half the length that ends cleanly
  | "wrong-range" // the bytes and Content-Range of the range shifted one byte later
  | "no-content-range" // 206 without a Content-Range header
  | "stall-headers" // never answers
  | "stall-body" // headers and `stallAfter` bytes, then nothing
  | "trickle" // correct headers, then one byte every `trickleMs`
  | "cut-unsized"; // always 200 without Content-Length (the body ends when the connection does), cut after half

export interface FileOptions {
  mode?: FileMode;
  etag?: string;
  /** Last-Modified (default: when the route was made, or the file's mtime); false sends none. */
  lastModified?: string | false;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Bytes sent before a "stall-body" stalls (default 0). */
  stallAfter?: number;
  /** Pause between the bytes of a "trickle" (default 1000 ms). */
  trickleMs?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
}

export interface ServerStats {
  /** Requests received, on every route. */
  requests: number;
  /** Body bytes written by file routes. */
  bytesSent: number;
  log: RequestRecord[];
}

export interface RouteContext {
  /** "http://127.0.0.1:<port>" */
  base: string;
  stats: ServerStats;
}

export type Route = (req: IncomingMessage, res: ServerResponse, context: RouteContext) => void | Promise<void>;

/** A file route; change `options` (or `content`) between requests to switch behaviour or replace the file. */
export interface FileRoute extends Route {
  options: FileOptions;
  content: Content;
}

export interface TestServer {
  base: string;
  url(path: string): string;
  stats: ServerStats;
  resetStats(): void;
  close(): Promise<void>;
}

const running = new Set<TestServer>();

/** Closes every server this test file started; use as `afterAll(closeAllServers)`. */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.close()));
}

export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const stats: ServerStats = { requests: 0, bytesSent: 0, log: [] };
  const context: RouteContext = { base: "", stats };
  const server = createServer((req, res) => {
    stats.requests += 1;
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const record: RequestRecord = { method: req.method ?? "GET", path, range: req.headers.range, status: 0 };
    stats.log.push(record);
    res.on("close", () => (record.status = res.headersSent ? res.statusCode : 0));
    const route = routes[path];
    if (!route) return void res.writeHead(404).end("not found");
    Promise.resolve(route(req, res, context)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  context.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const test: TestServer = {
    base: context.base,
    url: (path) => `${context.base}${path}`,
    stats,
    resetStats: () => Object.assign(stats, { requests: 0, bytesSent: 0, log: [] }),
    close: async () => {
      running.delete(test);
      server.closeAllConnections(); // stalled responses would otherwise hold close() forever
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  running.add(test);
  return test;
}

/** One file at `/file` (the common case). */
export async function serveFile(content: Content, options: FileOptions = {}): Promise<TestServer & { fileUrl: string; route: FileRoute }> {
  const route = file(content, options);
  const server = await startServer({ "/file": route });
  return Object.assign(server, { fileUrl: server.url("/file"), route });
}

export function file(content: Content, options: FileOptions = {}): FileRoute {
  const made = new Date().toUTCString();
  const route: FileRoute = Object.assign(
    async (req: IncomingMessage, res: ServerResponse, context: RouteContext) => {
      const { mode = "range", etag, headers = {}, stallAfter = 0, trickleMs = 1000 } = route.options;
      if (mode === "stall-headers") return;
      const info = route.content instanceof Uint8Array ? undefined : await stat(route.content.path);
      const size = info?.size ?? (route.content as Uint8Array).byteLength;
      const lastModified = route.options.lastModified ?? info?.mtime.toUTCString() ?? made;
      const common = {
        ...headers,
        "accept-ranges": mode === "ignore-range" || mode === "cut-unsized" ? "none" : "bytes",
        ...(etag ? { etag } : {}),
        ...(lastModified === false ? {} : { "last-modified": lastModified }),
      };
      if (mode === "cut-unsized") {
        // Without Content-Length or chunking the body ends where the connection does: a cut looks like the end.
        res.useChunkedEncodingByDefault = false;
        res.shouldKeepAlive = false;
        res.writeHead(200, common);
        await send(res, context.stats, route.content, 0, Math.floor(size / 2));
        return void res.end();
      }
      const range = mode === "ignore-range" ? undefined : parseRange(req.headers.range, size);
      if (range === "unsatisfiable") return void res.writeHead(416, { ...common, "content-range": `bytes */${size}` }).end();
      const [start, end] = range ?? [0, size - 1];
      const length = end - start + 1;
      if (req.method === "HEAD" || !range) {
        res.writeHead(200, { ...common, "content-length": String(size) });
        if (req.method === "HEAD") return void res.end();
      } else {
        const shift = mode === "wrong-range" ? 1 : 0;
        const partial: Record<string, string> = { ...common };
        if (mode !== "no-content-range") partial["content-range"] = `bytes ${start + shift}-${end + shift}/${size}`;
        if (mode !== "short-body") partial["content-length"] = String(length);
        res.writeHead(206, partial);
      }
      res.flushHeaders(); // Node holds headers back until the first body byte; a stalled body must still have them
      const cut = mode === "truncate" || mode === "short-body" ? Math.floor(length / 2) : mode === "stall-body" ? stallAfter : length;
      const from = start + (mode === "wrong-range" ? 1 : 0);
      if (mode === "trickle") return trickle(res, context.stats, route.content, from, length, trickleMs);
      await send(res, context.stats, route.content, from, Math.min(cut, size - from));
      if (mode === "stall-body") return; // leave the response open; close() destroys it
      if (mode === "truncate") return void res.destroy();
      res.end();
    },
    { options, content },
  );
  return route;
}

/** A redirect to `target` (relative, or made absolute with this server's base when `absolute`). */
export function redirect(target: string, options: { status?: number; absolute?: boolean; headers?: Record<string, string> } = {}): Route {
  return (_req, res, { base }) => {
    const location = options.absolute ? `${base}${target}` : target;
    res.writeHead(options.status ?? 302, { ...options.headers, location }).end("redirecting");
  };
}

/** Fails the first `failures` requests with `status` (default 503), or by destroying the socket ("reset"). */
export function flaky(route: Route, options: { failures: number; status?: number | "reset" }): Route & { failed: number } {
  const wrapped = Object.assign(
    (req: IncomingMessage, res: ServerResponse, context: RouteContext) => {
      if (wrapped.failed >= options.failures) return route(req, res, context);
      wrapped.failed += 1;
      if (options.status === "reset") return void req.socket.destroy();
      res.writeHead(options.status ?? 503, { "content-type": "text/plain" }).end("try again later");
    },
    { failed: 0 },
  );
  return wrapped;
}

/** [start, end] inclusive, undefined for no (or an unsupported multi-) range, "unsatisfiable" for a 416. */
function parseRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? "");
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? "unsatisfiable" : [start, end];
}

// Streams with backpressure, so that bytesSent counts what the server managed to push, not what it meant to.
async function send(res: ServerResponse, stats: ServerStats, content: Content, start: number, length: number): Promise<void> {
  if (length <= 0) return;
  const chunks: AsyncIterable<Uint8Array> =
    content instanceof Uint8Array
      ? Readable.from(slices(content.subarray(start, start + length)))
      : createReadStream(content.path, { start, end: start + length - 1 });
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    stats.bytesSent += chunk.byteLength;
    if (!res.write(chunk)) await drained(res);
  }
}

/** A byte at a time until the client gives up (or the body is done); close() ends it too. */
async function trickle(res: ServerResponse, stats: ServerStats, content: Content, start: number, length: number, everyMs: number): Promise<void> {
  const bytes = content instanceof Uint8Array ? content : new Uint8Array(length); // a file's bytes do not matter here
  const offset = content instanceof Uint8Array ? start : 0;
  for (let i = 0; i < length && !res.destroyed; i++) {
    stats.bytesSent += 1;
    res.write(bytes.subarray(offset + i, offset + i + 1));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  if (!res.destroyed) res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += 64 * 1024) yield bytes.subarray(offset, offset + 64 * 1024);
}

/** A sparse file of `size` bytes (no disk used but for `tail`), with `tail` written at its very end. */
export async function sparseFile(size: number, tail: Uint8Array = new Uint8Array()): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "fiab-sparse-"));
  const path = join(dir, "sparse.bin");
  const handle = await open(path, "w");
  try {
    await handle.truncate(size);
    if (tail.byteLength > 0) await handle.write(tail, 0, tail.byteLength, size - tail.byteLength);
  } finally {
    await handle.close();
  }
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
