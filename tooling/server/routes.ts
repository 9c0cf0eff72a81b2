// Every route of the registry server, declared once (route.ts says what a declaration holds): the app registers
// these (app.ts) and the OpenAPI document is made from them (openapi.ts).
import type { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import { entrySchema } from "../../src/contract/index.ts";
import {
  changesDocument,
  changesQuery,
  checkpointQuery,
  checkpointsDocument,
  checkpointsQuery,
  fiabStore,
  health,
  heartbeatRequest,
  job,
  jobResultRequest,
  jobsDocument,
  jobsQuery,
  lease,
  leaseRequest,
  registerRequest,
  registration,
  verifyResponse,
} from "../api/wire.ts";
import { sha256Pattern } from "./blobs.ts";
import { openApiDocument } from "./openapi.ts";
import { HttpProblem, notFound } from "./problems.ts";
import { Representation, vary } from "./representation.ts";
import { component, route, type Route } from "./route.ts";

// Readers revalidate after a minute; a 304 costs them a header block.
export const readCaching = "public, max-age=60, stale-while-revalidate=300";
/** A job's result carries a verification record (its installed packages): larger than other bodies. */
const resultBodyBytes = 1024 * 1024;

/** Answers with a published document: strong ETag, If-None-Match, br/gzip, caching headers. */
async function sendDocument(
  request: FastifyRequest,
  reply: FastifyReply,
  made: Representation | Promise<Representation>,
  caching = readCaching,
): Promise<FastifyReply> {
  const document = await made;
  const encoding = document.choose(request.headers["accept-encoding"]);
  reply.header("etag", document.etag(encoding)).header("cache-control", caching).header("vary", vary);
  if (document.matches(request.headers["if-none-match"])) return reply.code(304).send();
  reply.header("content-type", document.contentType);
  if (encoding !== "identity") reply.header("content-encoding", encoding);
  return reply.send(await document.encoded(encoding));
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const checkpointParams = z.object({ id: z.string().regex(checkpointIdPattern, "a checkpoint id") });
const jobParams = z.object({ job: z.string().regex(uuidPattern, "a job id (a UUID)") });

const documents = {
  entry: component("Entry", () => entrySchema("consuming")),
  checkpoints: component("CheckpointsDocument", checkpointsDocument),
  fiabStore: component("FiabStore", () => fiabStore),
  registration: component("Registration", () => registration),
  health: component("Health", () => health),
  changes: component("Changes", () => changesDocument),
  job: component("Job", () => job),
  jobs: component("Jobs", () => jobsDocument),
  lease: component("Lease", () => lease),
  verify: component("VerifyResponse", () => verifyResponse),
};

let openApi: Representation | undefined;

export const routes: readonly Route[] = [
  route({
    method: "GET",
    path: "/checkpoints",
    operationId: "getCheckpoints",
    summary: "Every entry ({schemaVersion, revision, checkpoints}), or a FIAB store view with ?contract=.",
    query: checkpointsQuery,
    document: true,
    answers: { 200: { description: "The document.", body: [documents.checkpoints, documents.fiabStore] } },
    async handler({ query: { contract } }, { request, reply, services: { published } }) {
      return sendDocument(request, reply, contract ? published.fiab(contract) : published.registry());
    },
  }),
  route({
    method: "GET",
    path: "/checkpoints/:id",
    operationId: "getCheckpoint",
    summary: "One entry, as the static /checkpoints/<id>.json.",
    params: checkpointParams,
    query: checkpointQuery,
    document: true,
    answers: { 200: { description: "The entry.", body: documents.entry }, 404: "No such checkpoint." },
    async handler({ params: { id }, query }, { request, reply, services: { published, store } }) {
      if (query.revision !== undefined) {
        const revision = Number(query.revision);
        const earlier = published.entryAt(id, revision);
        if (!earlier) throw notFound(`no checkpoint "${id}" at revision ${revision}`);
        // A past revision never changes.
        return sendDocument(request, reply, earlier, revision <= store.revision ? "public, max-age=31536000, immutable" : "no-store");
      }
      const document = published.entry(id);
      if (!document) throw notFound(`no checkpoint "${id}"`);
      return sendDocument(request, reply, document);
    },
  }),
  route({
    method: "GET",
    path: "/changes",
    operationId: "getChanges",
    summary: "The entries changed after a registry revision (what sync-entries writes back to git).",
    query: changesQuery,
    answers: { 200: { description: "The changes.", body: documents.changes } },
    async handler({ query }, { services: { store } }) {
      const since = query.since !== undefined ? Number(query.since) : (store.importRevision() ?? 0);
      return { since, revision: store.revision, changes: store.changesSince(since) };
    },
  }),
  route({
    method: "PUT",
    path: "/register",
    operationId: "register",
    summary: "Register a checkpoint by URL: its metadata is read with Range requests into an entry.",
    scope: "register",
    body: { schema: registerRequest, name: "RegisterRequest", what: "the registration request" },
    rateLimited: true,
    answers: {
      202: { description: "Accepted: the registration is queued; Location says where to follow it.", body: documents.registration },
      200: { description: "This URL has a registration already (queued, being read or done): that one.", body: documents.registration },
      400: "An invalid request (not JSON, a wrong field, a URL that is not a public http(s) URL).",
      409: "The id is taken by another checkpoint, or the URL is another entry's.",
    },
    async handler({ body }, { reply, token, services: { registrar } }) {
      const { registration, created } = registrar.submit(body, token?.id);
      reply.code(created ? 202 : 200).header("location", registration.location);
      return registration;
    },
  }),
  route({
    method: "GET",
    path: "/registrations/:rid",
    operationId: "getRegistration",
    summary: "A registration's state: queued, extracting, registered or failed (with the reason).",
    params: z.object({ rid: z.string().regex(uuidPattern, "a registration id (a UUID)") }),
    answers: { 200: { description: "The registration.", body: documents.registration }, 404: "No such registration." },
    async handler({ params: { rid } }, { services: { registrar } }) {
      const found = registrar.get(rid);
      if (!found) throw notFound(`no registration ${rid}`);
      return found;
    },
  }),
  route({
    method: "POST",
    path: "/checkpoints/:id/verify",
    operationId: "verifyCheckpoint",
    summary: "Queue the checkpoint's verification on every platform of the server (the live jobs for its file when there are some).",
    scope: "admin",
    params: checkpointParams,
    answers: { 202: { description: "The jobs.", body: documents.verify }, 404: "No such checkpoint.", 409: "The server verifies on no platform." },
    async handler({ params: { id } }, { reply, services: { jobs } }) {
      if (jobs.platforms.length === 0)
        throw new HttpProblem(409, "no-platforms", "No platforms", "this server verifies on no platform; start it with --platforms");
      reply.code(202);
      return { jobs: jobs.plan(id) };
    },
  }),
  // Job listings name workers' hosts and tokens: for those who run workers or the server, not for everyone.
  route({
    method: "GET",
    path: "/jobs",
    operationId: "getJobs",
    summary: "Verification jobs, newest first, with counts per state.",
    scope: "worker",
    query: jobsQuery,
    answers: { 200: { description: "The jobs.", body: documents.jobs } },
    async handler({ query: { limit, ...filter } }, { services: { jobs } }) {
      return jobs.list({ ...filter, ...(limit ? { limit: Number(limit) } : {}) });
    },
  }),
  route({
    method: "GET",
    path: "/jobs/:job",
    operationId: "getJob",
    summary: "One job.",
    scope: "worker",
    params: jobParams,
    answers: { 200: { description: "The job.", body: documents.job }, 404: "No such job." },
    async handler({ params }, { services: { jobs } }) {
      const found = jobs.get(params.job);
      if (!found) throw notFound(`no job ${params.job}`);
      return found;
    },
  }),
  route({
    method: "POST",
    path: "/jobs/lease",
    operationId: "leaseJob",
    summary: "A worker takes the oldest queued job of its platform, waiting up to waitSeconds for one.",
    scope: "worker",
    body: { schema: leaseRequest, name: "LeaseRequest", what: "the lease request" },
    answers: { 200: { description: "A job, leased for leaseSeconds.", body: documents.lease }, 204: "No job came within waitSeconds." },
    async handler({ body: { worker, platform, waitSeconds = 0 } }, { request, reply, token, services: { jobs } }) {
      const leased = await jobs.lease(
        `${worker} (token ${token?.name ?? "?"})`,
        platform,
        waitSeconds * 1000,
        () => request.raw.destroyed || reply.raw.destroyed,
      );
      return leased ?? reply.code(204).send();
    },
  }),
  route({
    method: "POST",
    path: "/jobs/:job/heartbeat",
    operationId: "heartbeat",
    summary: "Extend a lease.",
    scope: "worker",
    params: jobParams,
    body: { schema: heartbeatRequest, name: "HeartbeatRequest", what: "the heartbeat" },
    answers: { 200: "The new expiry.", 409: "The worker no longer holds the job: stop it." },
    async handler({ params, body }, { services: { jobs } }) {
      return jobs.heartbeat(params.job, body.attempt);
    },
  }),
  route({
    method: "POST",
    path: "/jobs/:job/result",
    operationId: "jobResult",
    summary: "End a leased job: done (with its record or trace), failed (retried up to the job's attempts) or released (handed back).",
    scope: "worker",
    params: jobParams,
    body: { schema: jobResultRequest, name: "JobResultRequest", what: "the job result" },
    bodyBytes: resultBodyBytes,
    answers: {
      200: "Recorded; duplicate is true when this attempt's result was recorded before (nothing changed).",
      409: "The attempt no longer holds the job (its lease expired and it was leased again): the result is ignored.",
      422: "The result does not fit the job (another file, another platform, a trace not uploaded).",
    },
    async handler({ params, body }, { services: { jobs } }) {
      const { job, duplicate } = jobs.finish(params.job, body);
      return { job, duplicate };
    },
  }),
  // Uploads (trace files) are streamed to disk, hashed and capped by the blob store, never buffered.
  route({
    method: "PUT",
    path: "/blobs/:sha256",
    operationId: "uploadBlob",
    summary: "Upload a trace file by its sha256 (application/octet-stream); kept by content hash.",
    scope: "worker",
    params: z.object({ sha256: z.string().regex(sha256Pattern, "a lowercase sha256 (64 hex digits)") }),
    upload: true,
    answers: { 201: "Stored.", 200: "Already stored.", 413: "Over the upload cap.", 422: "The bytes' sha256 is not the address's." },
    async handler({ params: { sha256 } }, { request, reply, services: { blobs } }) {
      const length = request.headers["content-length"] ? Number(request.headers["content-length"]) : undefined;
      const stored = await blobs.put(sha256, request.body as Readable, length);
      reply.code(stored.created ? 201 : 200);
      return { sha256, size: stored.size };
    },
  }),
  route({
    method: "GET",
    path: "/health",
    operationId: "health",
    summary: "Whether the server is up, its revision and queue.",
    answers: { 200: { description: "Up.", body: documents.health } },
    async handler(_input, { services: { store, registrar } }) {
      return { status: "ok" as const, revision: store.revision, entries: store.size, registrations: registrar.counts() };
    },
  }),
  route({
    method: "GET",
    path: "/openapi.json",
    operationId: "openApi",
    summary: "This document.",
    answers: { 200: "The OpenAPI 3.1 document." },
    async handler(_input, { request, reply }) {
      openApi ??= new Representation(JSON.stringify(openApiDocument(routes), null, 2));
      return sendDocument(request, reply, openApi, "public, max-age=3600");
    },
  }),
];
