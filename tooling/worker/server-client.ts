// The worker's side of the job API: lease (long poll), heartbeat, result, trace uploads. Every call has a
// deadline; answers are read as problems when they are not successes, so that a worker can tell a lost lease
// (409: stop, the job is someone else's) from a server it cannot reach (retry later). Answers are untrusted:
// read up to a cap, their text escaped, and a lease checked against its formats (lease.ts) before it is used.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { RegistryError } from "../../src/errors.ts";
import { strangerText } from "../../src/text/control.ts";
import type { JobResultRequest } from "../server/api-schemas.ts";
import { maxLeaseBytes, readLease, type LeaseReading } from "./lease.ts";

export class ServerCallError extends RegistryError {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
  /** The server cannot be reached or answered with a failure of its own: worth retrying later. */
  get transient(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 429;
  }
}

export type { Lease } from "./lease.ts";

/** An answer over the size the worker reads. */
class OversizedAnswer extends Error {}

/** The body of `response`, at most `max` bytes: a server cannot make the worker hold more. */
async function cappedText(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new OversizedAnswer(`the answer is over ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class JobServer {
  readonly base: string;
  readonly #token: string;

  constructor(server: string, token: string) {
    this.base = server.replace(/\/+$/, "");
    this.#token = token;
  }

  async #call(method: string, path: string, body: unknown, timeoutMs: number, init: { headers?: Record<string, string>; body?: BodyInit; duplex?: "half"; signal?: AbortSignal } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
        body: init.body ?? (body !== undefined ? JSON.stringify(body) : undefined),
        signal: init.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), init.signal]) : AbortSignal.timeout(timeoutMs),
        ...(init.duplex ? { duplex: init.duplex } : {}),
      } as RequestInit);
    } catch (error) {
      throw new ServerCallError(`${method} ${this.base}/api/v1${path}: ${(error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message)}`, undefined, { cause: error });
    }
    if (response.ok) return response;
    const text = await cappedText(response, 64 * 1024).catch(() => "");
    let detail = text;
    try {
      const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
      detail = String(problem.detail ?? problem.title ?? detail);
    } catch {
      // not a problem document: the text as it is
    }
    throw new ServerCallError(`${method} ${path}: ${response.status} ${strangerText(detail, 500)}`, response.status);
  }

  /** A job of `platform`, waiting up to `waitSeconds`, read and checked; undefined when none came. */
  async lease(worker: string, platform: string, waitSeconds: number, signal?: AbortSignal): Promise<LeaseReading | undefined> {
    if (signal?.aborted) return undefined;
    let response: Response;
    let text: string;
    try {
      response = await this.#call("POST", "/jobs/lease", { worker, platform, waitSeconds }, (waitSeconds + 30) * 1000, signal ? { signal } : {});
      if (response.status === 204) return undefined;
      text = await cappedText(response, maxLeaseBytes);
    } catch (error) {
      if (signal?.aborted) return undefined;
      if (error instanceof ServerCallError) throw error;
      if (error instanceof OversizedAnswer) return { ok: false, problem: `the lease is over ${maxLeaseBytes} bytes` };
      throw new ServerCallError(`POST ${this.base}/api/v1/jobs/lease: ${(error as Error).message}`, undefined, { cause: error });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { ok: false, problem: "the lease is not JSON" };
    }
    return readLease(doc, platform);
  }

  // Job ids reach these paths only after readLease checked them; encoded all the same.
  async heartbeat(job: string, attempt: number): Promise<void> {
    await (await this.#call("POST", `/jobs/${encodeURIComponent(job)}/heartbeat`, { attempt }, 30_000)).arrayBuffer();
  }

  /** Posts a job's end; the answer only says whether it was recorded before (an unreadable one: it was not). */
  async result(job: string, result: JobResultRequest): Promise<{ duplicate: boolean }> {
    const response = await this.#call("POST", `/jobs/${encodeURIComponent(job)}/result`, result, 120_000);
    try {
      return { duplicate: (JSON.parse(await cappedText(response, 1024 * 1024)) as { duplicate?: unknown } | null)?.duplicate === true };
    } catch {
      return { duplicate: false };
    }
  }

  /** Uploads a file by its content hash (a file the server has already is not sent twice); returns the hash. */
  async upload(path: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const sha256 = hash.digest("hex");
    const { size } = await stat(path);
    // Small files in one piece; large ones streamed.
    const body = size < 1024 * 1024 ? await readFile(path) : (Readable.toWeb(createReadStream(path)) as unknown as BodyInit);
    await (await this.#call("PUT", `/blobs/${sha256}`, undefined, 30 * 60_000, { headers: { "content-type": "application/octet-stream", "content-length": String(size) }, body, duplex: "half" })).arrayBuffer();
    return sha256;
  }
}
