// Errors as RFC 9457 problem documents. A route throws an HttpProblem; the app's error handler turns it (and
// every error Fastify raises itself: a malformed body, a body too large) into application/problem+json, and so
// do the answers written before Fastify sees a request (framing errors, header blocks too large, shutting down).
import type { Problem } from "../api/wire.ts";

/** A stable name per kind of problem, as a URN: clients switch on it; it is not meant to be fetched. */
export const problemType = (slug: string) => `urn:fiab-model-registry:problem:${slug}`;

export class HttpProblem extends Error {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly errors: Problem["errors"];
  readonly headers: Record<string, string>;

  constructor(status: number, slug: string, title: string, detail?: string, options: { errors?: Problem["errors"]; headers?: Record<string, string> } = {}) {
    super(detail ?? title);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  document(instance?: string): Problem {
    return {
      type: problemType(this.slug),
      title: this.title,
      status: this.status,
      ...(this.message !== this.title ? { detail: this.message } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const notFound = (detail: string) => new HttpProblem(404, "not-found", "Not found", detail);
export const badRequest = (detail: string, errors?: Problem["errors"]) => new HttpProblem(400, "bad-request", "Bad request", detail, errors ? { errors } : {});
export const conflict = (detail: string) => new HttpProblem(409, "conflict", "Conflict", detail);

/** The bytes of a problem answer written straight to a socket or a raw response, where no Fastify reply exists. */
export function problemBody(problem: HttpProblem, instance?: string): string {
  return JSON.stringify(problem.document(instance));
}

export const problemHeaders = { "content-type": "application/problem+json; charset=utf-8", "cache-control": "no-store" };
