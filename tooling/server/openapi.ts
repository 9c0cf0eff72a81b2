// The OpenAPI 3.1 document of the server, generated from the same Zod schemas that parse its requests
// (tooling/api/wire.ts) and the contract, with Zod's own z.toJSONSchema: it cannot drift from what is checked.
import { z } from "zod";
import { entrySchema } from "../../src/contract/index.ts";
import { tool } from "../repo.ts";
import { apiBase, changesDocument, changesQuery, checkpointQuery, checkpointsDocument, checkpointsQuery, fiabStore, health, heartbeatRequest, job, jobResultRequest, jobsDocument, jobStates, lease, leaseRequest, problem, registerRequest, registration, verifyResponse } from "../api/wire.ts";

type Json = Record<string, unknown>;

/**
 * Components from Zod schemas. Zod puts shared and recursive parts in `$defs`, referenced from the schema's
 * root; in an OpenAPI document the root is the document, so they become components of their own. A schema
 * already made a component (the entry inside the checkpoints document) is referenced, not repeated.
 */
class Components {
  readonly schemas: Record<string, Json> = {};
  readonly #named = new Map<unknown, string>();

  add(name: string, schema: z.ZodType): Json {
    const named = this.#named;
    // The input side, as the published consuming schema: what a tolerant reader accepts (its output maps
    // unknown enum values, a transform that JSON Schema cannot state).
    const generated = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io: "input",
      override: (ctx) => {
        const other = named.get(ctx.zodSchema);
        if (other === undefined || (ctx.zodSchema as unknown) === schema) return;
        const json = ctx.jsonSchema as Json;
        for (const key of Object.keys(json)) delete json[key];
        json.$ref = `#/components/schemas/${other}`;
      },
    }) as Json & { $defs?: Record<string, Json> };
    const { $schema: _dialect, $defs = {}, ...root } = generated;
    const relink = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(relink);
      if (value === null || typeof value !== "object") return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) =>
          key === "$ref" && typeof inner === "string" && inner.startsWith("#/$defs/")
            ? [key, `#/components/schemas/${name}.${inner.slice("#/$defs/".length)}`]
            : key === "$ref" && inner === "#"
              ? [key, `#/components/schemas/${name}`]
              : [key, relink(inner)],
        ),
      );
    };
    this.schemas[name] = relink(root) as Json;
    // Only the $defs still referenced: those of a part now referenced as another component are not.
    const wanted = [name];
    for (let i = 0; i < wanted.length; i++) {
      for (const [, def] of JSON.stringify(this.schemas[wanted[i]!]).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
        if (!wanted.includes(def!) && def!.startsWith(`${name}.`)) {
          this.schemas[def!] = relink($defs[def!.slice(name.length + 1)]) as Json;
          wanted.push(def!);
        }
      }
    }
    named.set(schema, name);
    return { $ref: `#/components/schemas/${name}` };
  }
}

const jsonContent = (schema: Json) => ({ "application/json": { schema } });

export function openApiDocument(): Json {
  const components = new Components();
  const ref = {
    entry: components.add("Entry", entrySchema("consuming")),
    checkpoints: components.add("CheckpointsDocument", checkpointsDocument()),
    fiabStore: components.add("FiabStore", fiabStore),
    registerRequest: components.add("RegisterRequest", registerRequest),
    registration: components.add("Registration", registration),
    problem: components.add("Problem", problem),
    health: components.add("Health", health),
    changes: components.add("Changes", changesDocument),
    job: components.add("Job", job),
    jobs: components.add("Jobs", jobsDocument),
    leaseRequest: components.add("LeaseRequest", leaseRequest),
    lease: components.add("Lease", lease),
    heartbeatRequest: components.add("HeartbeatRequest", heartbeatRequest),
    jobResultRequest: components.add("JobResultRequest", jobResultRequest),
    verifyResponse: components.add("VerifyResponse", verifyResponse),
  };
  const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: ref.problem } } });
  const notModified = { description: "Not modified: the If-None-Match ETag is current." };
  const etagHeader = { ETag: { description: "A strong validator of the document (per content coding).", schema: { type: "string" } } };
  const contractParameter = {
    name: "contract",
    in: "query",
    required: false,
    description: checkpointsQuery.shape.contract.description,
    schema: { type: "string", enum: ["core-1", "core-2"] },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "FIAB model registry",
      version: tool.version,
      description: "Checkpoint entries of the FIAB model registry, and registration of new checkpoints by URL.",
    },
    servers: [{ url: "/" }],
    paths: {
      [`${apiBase}/checkpoints`]: {
        get: {
          operationId: "getCheckpoints",
          summary: "Every entry ({schemaVersion, revision, checkpoints}), or a FIAB store view with ?contract=.",
          parameters: [contractParameter],
          responses: {
            200: { description: "The document.", headers: etagHeader, content: jsonContent({ oneOf: [ref.checkpoints, ref.fiabStore] }) },
            304: notModified,
            400: problemResponse("An invalid query."),
          },
        },
      },
      [`${apiBase}/checkpoints/{id}`]: {
        get: {
          operationId: "getCheckpoint",
          summary: "One entry, as the static /checkpoints/<id>.json.",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string" } },
            { name: "revision", in: "query", required: false, description: checkpointQuery.shape.revision.description, schema: { type: "string", pattern: "^\\d{1,15}$" } },
          ],
          responses: {
            200: { description: "The entry.", headers: etagHeader, content: jsonContent(ref.entry) },
            304: notModified,
            400: problemResponse("Not a checkpoint id."),
            404: problemResponse("No such checkpoint."),
          },
        },
      },
      [`${apiBase}/changes`]: {
        get: {
          operationId: "getChanges",
          summary: "The entries changed after a registry revision (what sync-entries writes back to git).",
          parameters: [{ name: "since", in: "query", required: false, description: changesQuery.shape.since.description, schema: { type: "string", pattern: "^\\d{1,15}$" } }],
          responses: { 200: { description: "The changes.", content: jsonContent(ref.changes) }, 400: problemResponse("An invalid query.") },
        },
      },
      [`${apiBase}/register`]: {
        put: {
          operationId: "register",
          summary: "Register a checkpoint by URL: its metadata is read with Range requests into an entry.",
          security: [{ bearer: ["register"] }],
          requestBody: { required: true, content: jsonContent(ref.registerRequest) },
          responses: {
            202: { description: "Accepted: the registration is queued; Location says where to follow it.", content: jsonContent(ref.registration) },
            200: { description: "This URL has a registration already (queued, being read or done): that one.", content: jsonContent(ref.registration) },
            400: problemResponse("An invalid request (not JSON, a wrong field, a URL that is not a public http(s) URL)."),
            401: problemResponse("No token, or an unknown or revoked one."),
            403: problemResponse("The token lacks the register scope."),
            409: problemResponse("The id is taken by another checkpoint, or the URL is another entry's."),
            413: problemResponse("The body is too large."),
            415: problemResponse("The body is not application/json."),
            429: problemResponse("Too many registrations from this token; see Retry-After."),
          },
        },
      },
      [`${apiBase}/registrations/{rid}`]: {
        get: {
          operationId: "getRegistration",
          summary: "A registration's state: queued, extracting, registered or failed (with the reason).",
          parameters: [{ name: "rid", in: "path", required: true, schema: { type: "string" } }],
          responses: { 200: { description: "The registration.", content: jsonContent(ref.registration) }, 400: problemResponse("Not a registration id."), 404: problemResponse("No such registration.") },
        },
      },
      [`${apiBase}/checkpoints/{id}/verify`]: {
        post: {
          operationId: "verifyCheckpoint",
          summary: "Queue the checkpoint's verification on every platform of the server (the live jobs for its file when there are some).",
          security: [{ bearer: ["admin"] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { 202: { description: "The jobs.", content: jsonContent(ref.verifyResponse) }, 401: problemResponse("No valid token."), 403: problemResponse("Not an admin token."), 404: problemResponse("No such checkpoint."), 409: problemResponse("The server verifies on no platform.") },
        },
      },
      [`${apiBase}/jobs`]: {
        get: {
          operationId: "getJobs",
          summary: "Verification jobs, newest first, with counts per state.",
          parameters: [
            { name: "state", in: "query", required: false, schema: { type: "string", enum: [...jobStates] } },
            { name: "platform", in: "query", required: false, schema: { type: "string" } },
            { name: "checkpoint", in: "query", required: false, schema: { type: "string" } },
            { name: "limit", in: "query", required: false, schema: { type: "string", pattern: "^\\d{1,4}$" } },
          ],
          security: [{ bearer: ["worker"] }],
          responses: { 200: { description: "The jobs.", content: jsonContent(ref.jobs) }, 400: problemResponse("An invalid query."), 401: problemResponse("No valid token."), 403: problemResponse("Not a worker or admin token.") },
        },
      },
      [`${apiBase}/jobs/{job}`]: {
        get: {
          operationId: "getJob",
          summary: "One job.",
          parameters: [{ name: "job", in: "path", required: true, schema: { type: "string" } }],
          security: [{ bearer: ["worker"] }],
          responses: { 200: { description: "The job.", content: jsonContent(ref.job) }, 401: problemResponse("No valid token."), 403: problemResponse("Not a worker or admin token."), 404: problemResponse("No such job.") },
        },
      },
      [`${apiBase}/jobs/lease`]: {
        post: {
          operationId: "leaseJob",
          summary: "A worker takes the oldest queued job of its platform, waiting up to waitSeconds for one.",
          security: [{ bearer: ["worker"] }],
          requestBody: { required: true, content: jsonContent(ref.leaseRequest) },
          responses: { 200: { description: "A job, leased for leaseSeconds.", content: jsonContent(ref.lease) }, 204: { description: "No job came within waitSeconds." }, 401: problemResponse("No valid token."), 403: problemResponse("Not a worker token.") },
        },
      },
      [`${apiBase}/jobs/{job}/heartbeat`]: {
        post: {
          operationId: "heartbeat",
          summary: "Extend a lease.",
          security: [{ bearer: ["worker"] }],
          parameters: [{ name: "job", in: "path", required: true, schema: { type: "string" } }],
          requestBody: { required: true, content: jsonContent(ref.heartbeatRequest) },
          responses: { 200: { description: "The new expiry." }, 409: problemResponse("The worker no longer holds the job: stop it.") },
        },
      },
      [`${apiBase}/jobs/{job}/result`]: {
        post: {
          operationId: "jobResult",
          summary: "End a leased job: done (with its record or trace), failed (retried up to the job's attempts) or released (handed back).",
          security: [{ bearer: ["worker"] }],
          parameters: [{ name: "job", in: "path", required: true, schema: { type: "string" } }],
          requestBody: { required: true, content: jsonContent(ref.jobResultRequest) },
          responses: {
            200: { description: "Recorded; duplicate is true when this attempt's result was recorded before (nothing changed)." },
            409: problemResponse("The attempt no longer holds the job (its lease expired and it was leased again): the result is ignored."),
            422: problemResponse("The result does not fit the job (another file, another platform, a trace not uploaded)."),
          },
        },
      },
      [`${apiBase}/blobs/{sha256}`]: {
        put: {
          operationId: "uploadBlob",
          summary: "Upload a trace file by its sha256 (application/octet-stream); kept by content hash.",
          security: [{ bearer: ["worker"] }],
          parameters: [{ name: "sha256", in: "path", required: true, schema: { type: "string", pattern: "^[0-9a-f]{64}$" } }],
          responses: { 201: { description: "Stored." }, 200: { description: "Already stored." }, 413: problemResponse("Over the upload cap."), 422: problemResponse("The bytes' sha256 is not the address's.") },
        },
      },
      [`${apiBase}/health`]: {
        get: { operationId: "health", summary: "Whether the server is up, its revision and queue.", responses: { 200: { description: "Up.", content: jsonContent(ref.health) } } },
      },
      [`${apiBase}/openapi.json`]: {
        get: { operationId: "openApi", summary: "This document.", responses: { 200: { description: "The OpenAPI 3.1 document." } } },
      },
    },
    components: {
      schemas: components.schemas,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A token made with `registry token create` (scopes: register, worker, admin)." } },
    },
  };
}
