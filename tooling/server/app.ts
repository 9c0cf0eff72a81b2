// The registry server's HTTP interface (Fastify): routes under /api/v1, bearer-token authentication with
// scopes, a rate limit per token, caps on bodies and headers, CORS for reads, and every error as an RFC 9457
// problem document.
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import pino from "pino";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import { decodeUtf8, JsonTextError, parseJsonDocument } from "../../src/files/json-document.ts";
import { apiBase } from "../api/wire.ts";
import type { Database } from "./database.ts";
import { badRequest, HttpProblem, notFound, problemBody, problemHeaders } from "./problems.ts";
import type { PublishedDocuments } from "./published.ts";
import { corsHeaders, Representation, vary } from "./representation.ts";
import { inputOf, type RouteServices } from "./route.ts";
import { readCaching, routes } from "./routes.ts";
import { findToken, grants, type Scope, type TokenRecord } from "./tokens.ts";

export interface AppOptions extends RouteServices {
  db: Database;
  /** Registrations each token may submit per minute. */
  registrationsPerMinute: number;
  log: (message: string) => void;
  /** Access log, one JSON line per answer (pino, through Fastify), at this level and above; "silent" (default): none. */
  logLevel?: LogLevel;
  /** Where the access log goes (default stderr). */
  logStream?: NodeJS.WritableStream;
}

export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * Request bodies (a registration is a URL and an id) and header blocks above these are refused; so is a path
 * parameter longer than `paramChars` (ids are at most 128 characters, job ids 36, blob addresses 64).
 */
export const limits = { bodyBytes: 16 * 1024, headerBytes: 16 * 1024, paramChars: 256 };

const tokens = new WeakMap<FastifyRequest, TokenRecord>();

const readHeaders = { ...corsHeaders, "cache-control": readCaching, vary };

/**
 * The reads of published documents (every FIAB start revalidates one; mirrors and clients fetch them whole),
 * answered before routing: a 304 or the document's prebuilt bytes with its prebuilt header fields, sent as they
 * are. Fastify's per-request work (hooks, reply objects) would add half to a 304's cost (docs/benchmarks.md).
 * Only exact URLs of published documents, and only documents and encodings already made; anything else goes
 * through the routes, which answer the same way.
 */
export function publishedFastPath(published: PublishedDocuments) {
  const documents = new Map<string, () => Representation | Promise<Representation> | undefined>([
    [`${apiBase}/checkpoints`, () => published.registry()],
    [`${apiBase}/checkpoints?contract=core-1`, () => published.fiab("core-1")],
    [`${apiBase}/checkpoints?contract=core-2`, () => published.fiab("core-2")],
  ]);
  const entryPrefix = `${apiBase}/checkpoints/`;
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const url = request.url ?? "";
    const id = url.startsWith(entryPrefix) ? url.slice(entryPrefix.length) : undefined;
    const document = id !== undefined ? (checkpointIdPattern.test(id) ? published.entry(id) : undefined) : documents.get(url)?.();
    if (!(document instanceof Representation)) return false;
    const encoding = document.choose(request.headers["accept-encoding"]);
    if (document.matches(request.headers["if-none-match"])) {
      // A 304 must repeat the validator and caching fields (RFC 9110, 15.4.5); the CORS fields only matter to a
      // browser's request (a cache keeps those of the 200 it stored).
      response.writeHead(304, document.headers304(encoding, readCaching, request.headers.origin !== undefined));
      response.end();
      return true;
    }
    const body = document.ready(encoding);
    if (!body) return false;
    response.writeHead(200, document.headers(encoding, readCaching, true, body.length));
    response.end(request.method === "HEAD" ? undefined : body);
    return true;
  };
}

/** The rate limit of registrations, per token (per address for a request refused before its token is known). */
function perTokenRateLimit(perMinute: number) {
  return {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => `token:${tokens.get(request)?.id ?? request.ip}`,
    errorResponseBuilder: (_request: FastifyRequest, context: { max: number; after: string }) =>
      new HttpProblem(429, "rate-limited", "Too many requests", `this token may register ${context.max} checkpoints a minute; retry in ${context.after}`),
  };
}

/** The bearer token of a request, checked for `scope`; 401 or 403 problems otherwise. */
function authenticate(db: Database, scope: Scope) {
  const challenge = `Bearer realm="fiab-model-registry"`;
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match)
      throw new HttpProblem(401, "unauthorized", "Unauthorized", `this needs a bearer token with the "${scope}" scope`, {
        headers: { "www-authenticate": challenge },
      });
    const token = findToken(db, match[1]!);
    if (!token)
      throw new HttpProblem(401, "unauthorized", "Unauthorized", "the token is not valid (unknown or revoked)", {
        headers: { "www-authenticate": `${challenge}, error="invalid_token"` },
      });
    if (!grants(token.scope, scope)) {
      throw new HttpProblem(403, "forbidden", "Forbidden", `the token "${token.name}" has the "${token.scope}" scope; this needs "${scope}"`, {
        headers: { "www-authenticate": `${challenge}, error="insufficient_scope", scope="${scope}"` },
      });
    }
    tokens.set(request, token);
  };
}

/** Fastify's own errors (body parsing, limits) as problems; anything else is a 500 that is logged. */
function asProblem(error: Error & { statusCode?: number; code?: string }): HttpProblem {
  if (error instanceof HttpProblem) return error;
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpProblem(413, "too-large", "Content too large", `the request body is over the ${limits.bodyBytes}-byte limit`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the body as application/json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return badRequest("Content-Length does not match the body");
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return new HttpProblem(error.statusCode, "bad-request", "Bad request", error.message);
  return new HttpProblem(500, "internal", "Internal server error", "the server failed to answer; the failure is logged");
}

function sendProblem(reply: FastifyReply, problem: HttpProblem, instance: string): FastifyReply {
  return reply
    .code(problem.status)
    .headers({ ...problem.headers, ...problemHeaders })
    .send(problemBody(problem, instance));
}

/** The errors Fastify's router raises before any route or hook runs. */
function frameworkProblem(error: Error & { code?: string }): HttpProblem {
  if (error.code === "FST_ERR_BAD_URL") return badRequest("the URL is not valid: its path holds a malformed percent-encoding");
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH")
    return new HttpProblem(414, "uri-too-long", "URI too long", `a path segment is over the ${limits.paramChars}-character limit`);
  return asProblem(error);
}

/**
 * What Node's HTTP parser refuses before a request exists (a header block over the limit, a request not sent in
 * time, bytes that are not HTTP/1.1) is answered here, on the socket, as a problem document too.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const problem =
    error.code === "HPE_HEADER_OVERFLOW"
      ? new HttpProblem(
          431,
          "headers-too-large",
          "Request header fields too large",
          `the request line and header block are over the ${limits.headerBytes}-byte limit`,
        )
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new HttpProblem(408, "timeout", "Request timeout", "the request was not received in time")
        : badRequest(`the request is not valid HTTP/1.1 (${error.code ?? "unreadable"})`);
  if (!socket.writable) return void socket.destroy();
  const body = problemBody(problem);
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
    ...Object.entries({ ...problemHeaders, "content-length": String(Buffer.byteLength(body)), connection: "close" }).map(([k, v]) => `${k}: ${v}`),
  ];
  // end(), not write() and destroy(): the answer is flushed before the connection closes; a client that never
  // closes its side is cut off shortly after.
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/** Route patterns ("/api/v1/checkpoints/:id") as expressions, with their methods: what a 405 lists as allowed. */
class RouteMethods {
  readonly #routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];

  add(url: string, method: string | string[]): void {
    if (url.includes("*")) return; // CORS's OPTIONS * would make every path "exist"
    const source = `^${url
      .split("/")
      .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/")}$`;
    let route = this.#routes.find((r) => r.pattern.source === source);
    if (!route) this.#routes.push((route = { pattern: new RegExp(source), methods: new Set() }));
    for (const m of [method].flat()) route.methods.add(m);
  }

  /** The methods that `path` answers, sorted; empty for a path that no route has. */
  allowed(path: string): string[] {
    return [...new Set(this.#routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]))].sort();
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { db, published, log } = options;
  const services: RouteServices = { store: options.store, published, registrar: options.registrar, jobs: options.jobs, blobs: options.blobs };
  const logLevel = options.logLevel ?? "silent";
  const fastPath = publishedFastPath(published);
  // The fast path never reaches Fastify: its answers are logged here, as Fastify's hook would say them.
  let logFastAnswer: ((request: IncomingMessage, status: number) => void) | undefined;
  let closing = false;
  const app = Fastify({
    // Access logs only (one line per answer, below); Fastify's own two lines per request would double the cost.
    // Written asynchronously (sonic-boom batches the lines while a write is in flight), so that logging does not put a
    // write system call on the thread that answers each request.
    logger: logLevel === "silent" ? false : { level: logLevel, stream: options.logStream ?? pino.destination({ dest: 2, sync: false }) },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    routerOptions: { maxParamLength: limits.paramChars },
    frameworkErrors: (error, request, reply) => sendProblem(reply, frameworkProblem(error), request.url),
    clientErrorHandler: answerClientError,
    serverFactory: (handler) => {
      // A client that sends its request slowly is cut off (slowloris); keep-alive idles are short.
      const server = createServer({ maxHeaderSize: limits.headerBytes, headersTimeout: 10_000, requestTimeout: 30_000 }, (request, response) => {
        if (closing) {
          // Requests on connections kept alive while the server drains: a problem, not Fastify's plain JSON.
          const body = problemBody(
            new HttpProblem(503, "unavailable", "Service unavailable", "the server is shutting down; retry in a few seconds"),
            request.url,
          );
          response.writeHead(503, { ...problemHeaders, connection: "close", "retry-after": "5" }).end(body);
          return;
        }
        if (fastPath(request, response)) logFastAnswer?.(request, response.statusCode);
        else handler(request, response);
      });
      server.keepAliveTimeout = 5_000;
      return server;
    },
    return503OnClosing: false,
  });
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });

  if (logLevel !== "silent") {
    app.addHook("onResponse", (request, reply, done) => {
      const token = tokens.get(request)?.name;
      request.log.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
          ip: request.ip,
          ...(token ? { token } : {}),
        },
        "answered",
      );
      done();
    });
    // The fast path's 304s are what most readers (every FIAB start) get: they are logged at debug, so that the
    // access log at info costs them nothing (docs/benchmarks.md); its full answers are logged as routed ones are.
    const verbose = logLevel === "debug" || logLevel === "trace";
    logFastAnswer = (request, status) => {
      const line = { method: request.method, url: request.url, status, ip: request.socket.remoteAddress };
      if (status !== 304) app.log.info(line, "answered");
      else if (verbose) app.log.debug(line, "answered");
    };
  }

  const methods = new RouteMethods();
  app.addHook("onRoute", (route) => methods.add(route.url, route.method));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const problem = asProblem(error);
    if (problem.status >= 500) log(`${request.method} ${request.url}: ${error.stack ?? error.message}`);
    return sendProblem(reply, problem, request.url);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    const allowed = methods.allowed(path);
    if (allowed.length > 0) {
      const problem = new HttpProblem(405, "method-not-allowed", "Method not allowed", `${path} answers ${allowed.join(", ")}, not ${request.method}`, {
        headers: { allow: allowed.join(", ") },
      });
      return sendProblem(reply, problem, request.url);
    }
    return sendProblem(reply, notFound(`no route for ${path}; see ${apiBase}/openapi.json`), request.url);
  });

  // Only JSON bodies, read as the registry reads every stranger's JSON: strict UTF-8, bounded nesting, no
  // duplicate or "__proto__" keys, errors located by line and column.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    if ((body as Buffer).length === 0) return done(badRequest("the request body is empty; send a JSON object"), undefined);
    try {
      done(null, parseJsonDocument(decodeUtf8(body as Buffer), { maxDepth: 8 }));
    } catch (error) {
      if (!(error instanceof JsonTextError)) return done(error as Error, undefined);
      // Sound JSON with an unusable value (a lone surrogate) names its field, as the schema's errors do.
      if (error.path !== undefined)
        return done(
          badRequest(`the request body is refused: ${error.message} (line ${error.line}, column ${error.column})`, [
            { path: error.path, message: error.message.slice(error.path.length + 2) },
          ]),
          undefined,
        );
      done(badRequest(`the request body is not valid JSON: ${error.message} (line ${error.line}, column ${error.column})`), undefined);
    }
  });

  // Uploads (trace files) are streamed to their route, never buffered.
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));

  // Reads are public and cacheable by anyone; cross-origin writes are not offered (PUT is not allowed).
  await app.register(cors, {
    origin: readHeaders["access-control-allow-origin"],
    methods: ["GET", "HEAD"],
    exposedHeaders: readHeaders["access-control-expose-headers"],
    maxAge: 86_400,
  });
  await app.register(rateLimit, { global: false, hook: "preHandler" });

  for (const route of routes) {
    app.route({
      method: route.method,
      url: `${apiBase}${route.path}`,
      ...(route.scope ? { onRequest: authenticate(db, route.scope) } : {}),
      ...(route.bodyBytes ? { bodyLimit: route.bodyBytes } : {}),
      ...(route.rateLimited ? { config: { rateLimit: perTokenRateLimit(options.registrationsPerMinute) } } : {}),
      handler: async (request, reply) => {
        const input = inputOf(route, request);
        // Answers other than published documents are not cached; sendDocument says otherwise for those.
        reply.header("cache-control", "no-store");
        return route.handler(input, { request, reply, token: tokens.get(request), services });
      },
    });
  }

  return app;
}
