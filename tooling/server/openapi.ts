// The OpenAPI 3.1 document of the server, made from its route declarations (routes.ts) and the same Zod schemas
// that parse its requests, with Zod's own z.toJSONSchema: it cannot drift from what is registered and checked.
import { z } from "zod";
import { tool } from "../repo.ts";
import { apiBase, problem } from "../api/wire.ts";
import { openApiPath, type Answer, type Component, type Route } from "./route.ts";

type Json = Record<string, unknown>;

/**
 * Components from Zod schemas. Zod puts shared and recursive parts in `$defs`, referenced from the schema's
 * root; in an OpenAPI document the root is the document, so they become components of their own. A schema
 * that is a component of its own (the entry inside the checkpoints document, the job inside a lease) is
 * referenced, not repeated: every component is named before any is made.
 */
class Components {
  readonly schemas: Record<string, Json> = {};
  readonly #named = new Map<unknown, string>();

  constructor(all: ReadonlyArray<{ name: string; schema: z.ZodType }>) {
    for (const { name, schema } of all) this.#named.set(schema, name);
  }

  add(name: string, schema: z.ZodType): Json {
    const named = this.#named;
    if (this.schemas[name]) return { $ref: `#/components/schemas/${name}` };
    // The input side, as the published consuming schema: what a tolerant reader accepts (its output maps
    // unknown enum values, a transform that JSON Schema cannot state).
    const generated = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io: "input",
      override: (ctx) => {
        const other = named.get(ctx.zodSchema);
        if (other === undefined || (ctx.zodSchema as unknown) === schema) return;
        const json: Json = ctx.jsonSchema;
        for (const key of Object.keys(json)) delete json[key];
        json.$ref = `#/components/schemas/${other}`;
      },
    });
    const { $schema: _dialect, $defs = {}, ...root } = generated;
    const relink = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(relink);
      if (value === null || typeof value !== "object") return value;
      return relinkObject(value);
    };
    const relinkObject = (value: object): Json =>
      Object.fromEntries(
        Object.entries(value).map(([key, inner]) =>
          key === "$ref" && typeof inner === "string" && inner.startsWith("#/$defs/")
            ? [key, `#/components/schemas/${name}.${inner.slice("#/$defs/".length)}`]
            : key === "$ref" && inner === "#"
              ? [key, `#/components/schemas/${name}`]
              : [key, relink(inner)],
        ),
      );
    this.schemas[name] = relinkObject(root);
    // Only the $defs still referenced: those of a part now referenced as another component are not.
    const wanted = [name];
    // `wanted` grows while it is walked: an array iterator also visits the elements pushed during the loop.
    for (const current of wanted) {
      for (const [, def] of JSON.stringify(this.schemas[current]).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
        if (def === undefined || wanted.includes(def) || !def.startsWith(`${name}.`)) continue;
        const part = $defs[def.slice(name.length + 1)];
        if (part === undefined) throw new Error(`${name}: ${def} is referenced but not among Zod's $defs`);
        this.schemas[def] = relinkObject(part);
        wanted.push(def);
      }
    }
    return { $ref: `#/components/schemas/${name}` };
  }
}

const jsonContent = (schema: Json) => ({ "application/json": { schema } });

/** A route's path or query parameters, from the fields of its Zod object. */
function parameters(fields: z.ZodObject<Record<string, z.ZodType>> | undefined, where: "path" | "query"): Json[] {
  return Object.entries(fields?.shape ?? {}).map(([name, field]) => {
    const { $schema: _dialect, description, ...schema } = z.toJSONSchema(field, { target: "draft-2020-12", io: "input" });
    return {
      name,
      in: where,
      required: where === "path" || !field.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema,
    };
  });
}

/** What every route of its kind may answer besides its own answers: the problems of authentication and input. */
function usualAnswers(route: Route): Record<number, string> {
  return {
    ...(route.params || route.query || route.body || route.upload ? { 400: "An invalid request; the problem's errors name each invalid field." } : {}),
    ...(route.scope ? { 401: "No token, or an unknown or revoked one.", 403: `The token's scope does not grant "${route.scope}".` } : {}),
    ...(route.body ? { 413: "The body is too large.", 415: "The body is not application/json." } : {}),
    ...(route.upload ? { 415: "The body is not application/octet-stream." } : {}),
    ...(route.rateLimited ? { 429: "Too many requests from this token; see Retry-After." } : {}),
  };
}

function operation(route: Route, components: Components): Json {
  const bodyOf = (made: Component | Component[]): Json => {
    const refs = [made].flat().map((c) => components.add(c.name, c.schema()));
    return refs.length === 1 ? refs[0]! : { oneOf: refs };
  };
  const problemContent = { "application/problem+json": { schema: components.add("Problem", problem) } };
  const answer = (status: number, given: Answer): Json => {
    const description = typeof given === "string" ? given : given.description;
    if (status >= 400) return { description, content: problemContent };
    const headers =
      route.document && status === 200
        ? { headers: { ETag: { description: "A strong validator of the document (per content coding).", schema: { type: "string" } } } }
        : {};
    return { description, ...headers, ...(typeof given === "string" ? {} : { content: jsonContent(bodyOf(given.body)) }) };
  };
  const given: Record<number, Answer> = {
    ...usualAnswers(route),
    ...route.answers,
    ...(route.document ? { 304: "Not modified: the If-None-Match ETag is current." } : {}),
  };
  const params = [...parameters(route.params, "path"), ...parameters(route.query, "query")];
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.scope ? { security: [{ bearer: [route.scope] }] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body ? { requestBody: { required: true, content: jsonContent(components.add(route.body.name, route.body.schema)) } } : {}),
    ...(route.upload
      ? {
          requestBody: {
            required: true,
            content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } },
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(given).map(([status, a]) => [status, answer(Number(status), a)])),
  };
}

export function openApiDocument(routes: readonly Route[]): Json {
  const documents = routes.flatMap((route) => Object.values(route.answers).flatMap((answer) => (typeof answer === "string" ? [] : [answer.body].flat())));
  const components = new Components([
    { name: "Problem", schema: problem },
    ...documents.map((c) => ({ name: c.name, schema: c.schema() })),
    ...routes.flatMap((route) => (route.body ? [{ name: route.body.name, schema: route.body.schema }] : [])),
  ]);
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) (paths[`${apiBase}${openApiPath(route.path)}`] ??= {})[route.method.toLowerCase()] = operation(route, components);
  return {
    openapi: "3.1.0",
    info: {
      title: "FIAB model registry",
      version: tool.version,
      description: "Checkpoint entries of the FIAB model registry, and registration of new checkpoints by URL.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A token made with `registry token create` (scopes: register, worker, admin)." },
      },
    },
  };
}
