// What one route of the server's HTTP interface is, declared once (routes.ts holds them all): the app registers
// each with Fastify and checks its input with its Zod schemas (app.ts), and the OpenAPI document is made from the
// same declarations (openapi.ts), so neither can say something the other does not.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Problem } from "../api/wire.ts";
import type { BlobStore } from "./blobs.ts";
import type { EntryStore } from "./entry-store.ts";
import type { JobQueue } from "./jobs.ts";
import { badRequest, HttpProblem } from "./problems.ts";
import type { PublishedDocuments } from "./published.ts";
import type { Registrar } from "./registrar.ts";
import type { Scope, TokenRecord } from "./tokens.ts";
import { jsonObject } from "../../src/text/json-object.ts";

/** What the routes' handlers work with. */
export interface RouteServices {
  store: EntryStore;
  published: PublishedDocuments;
  registrar: Registrar;
  jobs: JobQueue;
  blobs: BlobStore;
}

/** A schema that is a component of the OpenAPI document, under its name; made on first use (the entry schema is large). */
export interface Component {
  name: string;
  schema: () => z.ZodType;
}

export function component(name: string, make: () => z.ZodType): Component {
  let made: z.ZodType | undefined;
  return { name, schema: () => (made ??= make()) };
}

/** One answer of a route: its description, and the document it sends (one of several: a oneOf). Errors are problems. */
export type Answer = string | { description: string; body: Component | Component[] };

export interface RouteCall {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The bearer token of a route that has a scope. */
  token: TokenRecord | undefined;
  services: RouteServices;
}

type Fields = z.ZodObject<Record<string, z.ZodType>>;

export interface Route<P extends Fields = Fields, Q extends Fields = Fields, B extends z.ZodType = z.ZodType> {
  method: "GET" | "PUT" | "POST";
  /** Under /api/v1, in Fastify's syntax ("/checkpoints/:id"). */
  path: string;
  operationId: string;
  summary: string;
  /** The scope its bearer token needs; none: anyone may call it. */
  scope?: Scope;
  /** Each path parameter, refused as `"<value>" is not <its message>`. */
  params?: P;
  /** The query parameters it reads; others are ignored (a cache buster). */
  query?: Q;
  /** A JSON body, its component's name, and what a refusal calls it ("the lease request is not valid"). */
  body?: { schema: B; name: string; what: string };
  /** The body is a file, streamed to the handler (application/octet-stream). */
  upload?: true;
  /** A body limit above the app's. */
  bodyBytes?: number;
  /** Limited per token to the server's registrations per minute. */
  rateLimited?: true;
  /** Answers a published document: a strong ETag, and 304 to a current If-None-Match. */
  document?: true;
  answers: Record<number, Answer>;
  handler(input: RouteInput<P, Q, B>, call: RouteCall): Promise<unknown>;
}

export interface RouteInput<P extends Fields = Fields, Q extends Fields = Fields, B extends z.ZodType = z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

/** A route declaration, typed by its schemas. */
export function route<P extends Fields, Q extends Fields, B extends z.ZodType>(declaration: Route<P, Q, B>): Route {
  return declaration as unknown as Route;
}

/** "/checkpoints/:id" as OpenAPI writes it: "/checkpoints/{id}". */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

function fieldErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): NonNullable<Problem["errors"]> {
  return issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(body)", message: issue.message }));
}

/** A route's path parameters, query and body, parsed with its schemas; a 400 problem naming each invalid field otherwise. */
export function inputOf(route: Route, request: FastifyRequest): RouteInput {
  const params = route.params?.safeParse(request.params) ?? { success: true, data: {} };
  if (!params.success) {
    const [issue] = params.error.issues;
    const value = String(jsonObject(request.params)?.[String(issue!.path[0])]);
    throw badRequest(`${JSON.stringify(value.slice(0, 200))} is not ${issue!.message}`, fieldErrors(params.error.issues));
  }
  const query = route.query?.safeParse(request.query) ?? { success: true, data: {} };
  if (!query.success) throw badRequest("invalid query", fieldErrors(query.error.issues));
  if (route.upload) {
    if (typeof (request.body as NodeJS.ReadableStream | undefined)?.pipe !== "function")
      throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the file as application/octet-stream");
    return { params: params.data, query: query.data, body: undefined };
  }
  if (!route.body) return { params: params.data, query: query.data, body: undefined };
  const body = route.body.schema.safeParse(request.body);
  if (!body.success) throw badRequest(`${route.body.what} is not valid`, fieldErrors(body.error.issues));
  return { params: params.data, query: query.data, body: body.data };
}
