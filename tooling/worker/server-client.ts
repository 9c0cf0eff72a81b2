// The worker's side of the job API: lease (long poll), heartbeat, result, trace uploads. Every call has a
// deadline; answers are read as problems when they are not successes, so that a worker can tell a lost lease
// (409: stop, the job is someone else's) from a server it cannot reach (retry later).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { RegistryError } from "../../src/errors.ts";
import type { Job, JobResultRequest } from "../server/api-schemas.ts";

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

export interface Lease {
  job: Job;
  attempt: number;
  leaseSeconds: number;
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
    const text = await response.text().catch(() => "");
    let detail = text.slice(0, 500);
    try {
      const problem = JSON.parse(text) as { detail?: string; title?: string };
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not a problem document: the text as it is
    }
    throw new ServerCallError(`${method} ${path}: ${response.status} ${detail}`, response.status);
  }

  /** A job of `platform`, waiting up to `waitSeconds`; undefined when none came. */
  async lease(worker: string, platform: string, waitSeconds: number, signal?: AbortSignal): Promise<Lease | undefined> {
    if (signal?.aborted) return undefined;
    let response: Response;
    try {
      response = await this.#call("POST", "/jobs/lease", { worker, platform, waitSeconds }, (waitSeconds + 30) * 1000, signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) return undefined;
      throw error;
    }
    if (response.status === 204) return undefined;
    return (await response.json()) as Lease;
  }

  async heartbeat(job: string, attempt: number): Promise<void> {
    await (await this.#call("POST", `/jobs/${job}/heartbeat`, { attempt }, 30_000)).arrayBuffer();
  }

  async result(job: string, result: JobResultRequest): Promise<{ duplicate: boolean }> {
    return (await (await this.#call("POST", `/jobs/${job}/result`, result, 120_000)).json()) as { duplicate: boolean };
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
