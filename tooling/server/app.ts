// The registry server's HTTP interface (Fastify): routes under /api/v1, bearer-token authentication with
// scopes, a rate limit per token, caps on bodies and headers, CORS for reads, and every error as an RFC 9457
// problem document.
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import pino from "pino";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import { decodeUtf8, JsonTextError, parseJsonDocument } from "../../src/files/json-document.ts";
import { apiBase, changesQuery, checkpointQuery, checkpointsQuery, heartbeatRequest, jobResultRequest, jobsQuery, leaseRequest, registerRequest, type Problem } from "../api/wire.ts";
import { sha256Pattern, type BlobStore } from "./blobs.ts";
import type { Database } from "./database.ts";
import type { EntryStore } from "./entry-store.ts";
import type { JobQueue } from "./jobs.ts";
import { openApiDocument } from "./openapi.ts";
import { badRequest, HttpProblem, notFound, problemBody, problemHeaders } from "./problems.ts";
import type { PublishedDocuments } from "./published.ts";
import type { Registrar } from "./registrar.ts";
import { corsHeaders, Representation, vary } from "./representation.ts";
import { findToken, grants, type Scope, type TokenRecord } from "./tokens.ts";

export interface AppOptions {
  db: Database;
  store: EntryStore;
  published: PublishedDocuments;
  registrar: Registrar;
  jobs: JobQueue;
  blobs: BlobStore;
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

// Readers revalidate after a minute; a 304 costs them a header block.
const readCaching = "public, max-age=60, stale-while-revalidate=300";
const ridPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A job's result carries a verification record (its installed packages): larger than other bodies. */
const resultBodyBytes = 1024 * 1024;

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

/** Answers with a published document: strong ETag, If-None-Match, br/gzip, caching headers. */
async function sendDocument(request: FastifyRequest, reply: FastifyReply, made: Representation | Promise<Representation>, caching = readCaching): Promise<FastifyReply> {
  const document = await made;
  const encoding = document.choose(request.headers["accept-encoding"]);
  reply.header("etag", document.etag(encoding)).header("cache-control", caching).header("vary", readHeaders.vary);
  if (document.matches(request.headers["if-none-match"])) return reply.code(304).send();
  reply.header("content-type", document.contentType);
  if (encoding !== "identity") reply.header("content-encoding", encoding);
  return reply.send(await document.encoded(encoding));
}

function fieldErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): NonNullable<Problem["errors"]> {
  return issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(body)", message: issue.message }));
}

/** The bearer token of a request, checked for `scope`; 401 or 403 problems otherwise. */
function authenticate(db: Database, scope: Scope) {
  const challenge = `Bearer realm="fiab-model-registry"`;
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new HttpProblem(401, "unauthorized", "Unauthorized", `this needs a bearer token with the "${scope}" scope`, { headers: { "www-authenticate": challenge } });
    const token = findToken(db, match[1]!);
    if (!token) throw new HttpProblem(401, "unauthorized", "Unauthorized", "the token is not valid (unknown or revoked)", { headers: { "www-authenticate": `${challenge}, error="invalid_token"` } });
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
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new HttpProblem(error.statusCode, "bad-request", "Bad request", error.message);
  return new HttpProblem(500, "internal", "Internal server error", "the server failed to answer; the failure is logged");
}

function sendProblem(reply: FastifyReply, problem: HttpProblem, instance: string): FastifyReply {
  return reply.code(problem.status).headers({ ...problem.headers, ...problemHeaders }).send(problemBody(problem, instance));
}

/** The errors Fastify's router raises before any route or hook runs. */
function frameworkProblem(error: Error & { code?: string }): HttpProblem {
  if (error.code === "FST_ERR_BAD_URL") return badRequest("the URL is not valid: its path holds a malformed percent-encoding");
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") return new HttpProblem(414, "uri-too-long", "URI too long", `a path segment is over the ${limits.paramChars}-character limit`);
  return asProblem(error);
}

/**
 * What Node's HTTP parser refuses before a request exists (a header block over the limit, a request not sent in
 * time, bytes that are not HTTP/1.1) is answered here, on the socket, as a problem document too.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const problem =
    error.code === "HPE_HEADER_OVERFLOW" ? new HttpProblem(431, "headers-too-large", "Request header fields too large", `the request line and header block are over the ${limits.headerBytes}-byte limit`)
    : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? new HttpProblem(408, "timeout", "Request timeout", "the request was not received in time")
    : badRequest(`the request is not valid HTTP/1.1 (${error.code ?? "unreadable"})`);
  if (!socket.writable) return void socket.destroy();
  const body = problemBody(problem);
  const head = [`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`, ...Object.entries({ ...problemHeaders, "content-length": String(Buffer.byteLength(body)), connection: "close" }).map(([k, v]) => `${k}: ${v}`)];
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
    const source = `^${url.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}$`;
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
  const { db, store, published, registrar, jobs, blobs, log } = options;
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
    disableRequestLogging: true,
    bodyLimit: limits.bodyBytes,
    routerOptions: { maxParamLength: limits.paramChars },
    frameworkErrors: (error, request, reply) => sendProblem(reply, frameworkProblem(error), request.url),
    clientErrorHandler: answerClientError,
    serverFactory: (handler) => {
      // A client that sends its request slowly is cut off (slowloris); keep-alive idles are short.
      const server = createServer({ maxHeaderSize: limits.headerBytes, headersTimeout: 10_000, requestTimeout: 30_000 }, (request, response) => {
        if (closing) {
          // Requests on connections kept alive while the server drains: a problem, not Fastify's plain JSON.
          const body = problemBody(new HttpProblem(503, "unavailable", "Service unavailable", "the server is shutting down; retry in a few seconds"), request.url);
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
      request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100, ip: request.ip, ...(token ? { token } : {}) }, "answered");
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

  const routes = new RouteMethods();
  app.addHook("onRoute", (route) => routes.add(route.url, route.method));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const problem = asProblem(error);
    if (problem.status >= 500) log(`${request.method} ${request.url}: ${error.stack ?? error.message}`);
    return sendProblem(reply, problem, request.url);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    const allowed = routes.allowed(path);
    if (allowed.length > 0) {
      const problem = new HttpProblem(405, "method-not-allowed", "Method not allowed", `${path} answers ${allowed.join(", ")}, not ${request.method}`, { headers: { allow: allowed.join(", ") } });
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
      if (error.path !== undefined) return done(badRequest(`the request body is refused: ${error.message} (line ${error.line}, column ${error.column})`, [{ path: error.path, message: error.message.slice(error.path.length + 2) }]), undefined);
      done(badRequest(`the request body is not valid JSON: ${error.message} (line ${error.line}, column ${error.column})`), undefined);
    }
  });

  // Uploads (trace files) are streamed to disk, hashed and capped by the blob store, never buffered.
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));

  // Reads are public and cacheable by anyone; cross-origin writes are not offered (PUT is not allowed).
  await app.register(cors, { origin: readHeaders["access-control-allow-origin"], methods: ["GET", "HEAD"], exposedHeaders: readHeaders["access-control-expose-headers"], maxAge: 86_400 });
  await app.register(rateLimit, { global: false, hook: "preHandler" });

  app.get(`${apiBase}/checkpoints`, async (request, reply) => {
    const query = checkpointsQuery.safeParse(request.query);
    if (!query.success) throw badRequest("invalid query", fieldErrors(query.error.issues));
    const { contract } = query.data;
    return sendDocument(request, reply, contract ? published.fiab(contract) : published.registry());
  });

  app.get<{ Params: { id: string } }>(`${apiBase}/checkpoints/:id`, async (request, reply) => {
    const { id } = request.params;
    if (!checkpointIdPattern.test(id)) throw badRequest(`${JSON.stringify(id.slice(0, 200))} is not a checkpoint id`, [{ path: "id", message: "a checkpoint id" }]);
    const query = checkpointQuery.safeParse(request.query);
    if (!query.success) throw badRequest("invalid query", fieldErrors(query.error.issues));
    if (query.data.revision !== undefined) {
      const revision = Number(query.data.revision);
      const earlier = published.entryAt(id, revision);
      if (!earlier) throw notFound(`no checkpoint "${id}" at revision ${revision}`);
      // A past revision never changes.
      return sendDocument(request, reply, earlier, revision <= store.revision ? "public, max-age=31536000, immutable" : "no-store");
    }
    const document = published.entry(id);
    if (!document) throw notFound(`no checkpoint "${id}"`);
    return sendDocument(request, reply, document);
  });

  app.get(`${apiBase}/changes`, async (request, reply) => {
    const query = changesQuery.safeParse(request.query);
    if (!query.success) throw badRequest("invalid query", fieldErrors(query.error.issues));
    const since = query.data.since !== undefined ? Number(query.data.since) : (store.importRevision() ?? 0);
    reply.header("cache-control", "no-store");
    return { since, revision: store.revision, changes: store.changesSince(since) };
  });

  app.put(
    `${apiBase}/register`,
    {
      onRequest: authenticate(db, "register"),
      config: {
        rateLimit: {
          max: options.registrationsPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => `token:${tokens.get(request)?.id ?? request.ip}`,
          errorResponseBuilder: (_request: FastifyRequest, context: { max: number; after: string }) =>
            new HttpProblem(429, "rate-limited", "Too many requests", `this token may register ${context.max} checkpoints a minute; retry in ${context.after}`),
        },
      },
    },
    async (request, reply) => {
      const body = registerRequest.safeParse(request.body);
      if (!body.success) throw badRequest("the registration request is not valid", fieldErrors(body.error.issues));
      const { registration, created } = registrar.submit(body.data, tokens.get(request)?.id);
      reply.code(created ? 202 : 200).header("location", registration.location).header("cache-control", "no-store");
      return registration;
    },
  );

  app.get<{ Params: { rid: string } }>(`${apiBase}/registrations/:rid`, async (request, reply) => {
    const { rid } = request.params;
    if (!ridPattern.test(rid)) throw badRequest(`${JSON.stringify(rid.slice(0, 200))} is not a registration id`, [{ path: "rid", message: "a registration id (a UUID)" }]);
    const registration = registrar.get(rid);
    if (!registration) throw notFound(`no registration ${rid}`);
    reply.header("cache-control", "no-store");
    return registration;
  });

  const jobId = (jid: string) => {
    if (!ridPattern.test(jid)) throw badRequest(`${JSON.stringify(jid.slice(0, 200))} is not a job id`, [{ path: "job", message: "a job id (a UUID)" }]);
    return jid;
  };

  // Job listings name workers' hosts and tokens: for those who run workers or the server, not for everyone.
  app.get(`${apiBase}/jobs`, { onRequest: authenticate(db, "worker") }, async (request, reply) => {
    const query = jobsQuery.safeParse(request.query);
    if (!query.success) throw badRequest("invalid query", fieldErrors(query.error.issues));
    const { limit, ...filter } = query.data;
    reply.header("cache-control", "no-store");
    return jobs.list({ ...filter, ...(limit ? { limit: Number(limit) } : {}) });
  });

  app.get<{ Params: { jid: string } }>(`${apiBase}/jobs/:jid`, { onRequest: authenticate(db, "worker") }, async (request, reply) => {
    const found = jobs.get(jobId(request.params.jid));
    if (!found) throw notFound(`no job ${request.params.jid}`);
    reply.header("cache-control", "no-store");
    return found;
  });

  app.post<{ Params: { id: string } }>(`${apiBase}/checkpoints/:id/verify`, { onRequest: authenticate(db, "admin") }, async (request, reply) => {
    const { id } = request.params;
    if (!checkpointIdPattern.test(id)) throw badRequest(`${JSON.stringify(id.slice(0, 200))} is not a checkpoint id`, [{ path: "id", message: "a checkpoint id" }]);
    if (jobs.platforms.length === 0) throw new HttpProblem(409, "no-platforms", "No platforms", "this server verifies on no platform; start it with --platforms");
    reply.code(202).header("cache-control", "no-store");
    return { jobs: jobs.plan(id) };
  });

  app.post(`${apiBase}/jobs/lease`, { onRequest: authenticate(db, "worker") }, async (request, reply) => {
    const body = leaseRequest.safeParse(request.body);
    if (!body.success) throw badRequest("the lease request is not valid", fieldErrors(body.error.issues));
    const { worker, platform, waitSeconds = 0 } = body.data;
    const name = `${worker} (token ${tokens.get(request)?.name ?? "?"})`;
    const leased = await jobs.lease(name, platform, waitSeconds * 1000, () => request.raw.destroyed || reply.raw.destroyed);
    reply.header("cache-control", "no-store");
    if (!leased) return reply.code(204).send();
    return leased;
  });

  app.post<{ Params: { jid: string } }>(`${apiBase}/jobs/:jid/heartbeat`, { onRequest: authenticate(db, "worker") }, async (request, reply) => {
    const body = heartbeatRequest.safeParse(request.body);
    if (!body.success) throw badRequest("the heartbeat is not valid", fieldErrors(body.error.issues));
    reply.header("cache-control", "no-store");
    return jobs.heartbeat(jobId(request.params.jid), body.data.attempt);
  });

  app.post<{ Params: { jid: string } }>(`${apiBase}/jobs/:jid/result`, { onRequest: authenticate(db, "worker"), bodyLimit: resultBodyBytes }, async (request, reply) => {
    const body = jobResultRequest.safeParse(request.body);
    if (!body.success) throw badRequest("the job result is not valid", fieldErrors(body.error.issues));
    const { job, duplicate } = jobs.finish(jobId(request.params.jid), body.data);
    reply.header("cache-control", "no-store");
    return { job, duplicate };
  });

  app.put<{ Params: { sha256: string } }>(`${apiBase}/blobs/:sha256`, { onRequest: authenticate(db, "worker") }, async (request, reply) => {
    const { sha256 } = request.params;
    if (!sha256Pattern.test(sha256)) throw badRequest(`${JSON.stringify(sha256.slice(0, 80))} is not a lowercase sha256`, [{ path: "sha256", message: "64 lowercase hex digits" }]);
    if (!request.body || typeof (request.body as NodeJS.ReadableStream).pipe !== "function") throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the file as application/octet-stream");
    const length = request.headers["content-length"] ? Number(request.headers["content-length"]) : undefined;
    const stored = await blobs.put(sha256, request.body as import("node:stream").Readable, length);
    reply.code(stored.created ? 201 : 200).header("cache-control", "no-store");
    return { sha256, size: stored.size };
  });

  app.get(`${apiBase}/health`, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" as const, revision: store.revision, entries: store.size, registrations: registrar.counts() };
  });

  let openApi: Representation | undefined;
  app.get(`${apiBase}/openapi.json`, async (request, reply) => {
    openApi ??= new Representation(JSON.stringify(openApiDocument(), null, 2));
    return sendDocument(request, reply, openApi, "public, max-age=3600");
  });

  return app;
}
