// The worker's side of the job API: lease (long poll), heartbeat, result, trace uploads. JobServer is what the
// worker loop needs of a server; HttpJobServer is the registry server's, over the API client (tooling/api/), which
// gives every call a deadline and turns a failed one into a ServerCallError (409: the lease is lost). A lease is
// untrusted: read up to a cap and checked against its formats (lease.ts) before it is used.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { ApiClient, OversizedAnswer, readAnswer, ServerCallError } from "../api/client.ts";
import type { JobResultRequest } from "../api/wire.ts";
import { maxLeaseBytes, readLease, type LeaseReading } from "./lease.ts";
import { errorMessage } from "../../src/errors.ts";
import { jsonObject } from "../../src/text/json-object.ts";

export type { Lease } from "./lease.ts";

export interface JobServer {
  /** A job of `platform`, waiting up to `waitSeconds`, read and checked; undefined when none came or `signal` stopped the wait. */
  lease(worker: string, platform: string, waitSeconds: number, signal?: AbortSignal): Promise<LeaseReading | undefined>;
  /** Keeps the lease of attempt `attempt` of `job`; a ServerCallError of status 409 when it is lost. */
  heartbeat(job: string, attempt: number): Promise<void>;
  /** Posts a job's end; says whether it was recorded before. */
  result(job: string, result: JobResultRequest): Promise<{ duplicate: boolean }>;
  /** Uploads a file by its content hash; returns the hash. */
  upload(path: string): Promise<string>;
}

export class HttpJobServer implements JobServer {
  readonly #api: ApiClient;

  constructor(server: string, token: string) {
    this.#api = new ApiClient(server, token);
  }

  async lease(worker: string, platform: string, waitSeconds: number, signal?: AbortSignal): Promise<LeaseReading | undefined> {
    if (signal?.aborted) return undefined;
    let text: string;
    try {
      const response = await this.#api.call("POST", "/jobs/lease", {
        json: { worker, platform, waitSeconds },
        timeoutMs: (waitSeconds + 30) * 1000,
        ...(signal ? { signal } : {}),
      });
      if (response.status === 204) return undefined;
      text = await readAnswer(response, maxLeaseBytes);
    } catch (error) {
      if (signal?.aborted) return undefined;
      if (error instanceof ServerCallError) throw error;
      if (error instanceof OversizedAnswer) return { ok: false, problem: `the lease is over ${maxLeaseBytes} bytes` };
      throw new ServerCallError(`POST ${this.#api.url("/jobs/lease")}: ${errorMessage(error)}`, undefined, { cause: error });
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
    await (await this.#api.call("POST", `/jobs/${encodeURIComponent(job)}/heartbeat`, { json: { attempt }, timeoutMs: 30_000 })).arrayBuffer();
  }

  /** The answer only says whether the result was recorded before (an unreadable one: it was not). */
  async result(job: string, result: JobResultRequest): Promise<{ duplicate: boolean }> {
    const response = await this.#api.call("POST", `/jobs/${encodeURIComponent(job)}/result`, { json: result, timeoutMs: 120_000 });
    try {
      return { duplicate: jsonObject(JSON.parse(await readAnswer(response, 1024 * 1024)))?.duplicate === true };
    } catch {
      return { duplicate: false };
    }
  }

  /** A file the server has already is not sent twice (the server answers at once). */
  async upload(path: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const sha256 = hash.digest("hex");
    const { size } = await stat(path);
    // Small files in one piece; large ones streamed.
    const body = size < 1024 * 1024 ? await readFile(path) : (Readable.toWeb(createReadStream(path)) as unknown as ReadableStream);
    await (
      await this.#api.call("PUT", `/blobs/${sha256}`, {
        body,
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
        timeoutMs: 30 * 60_000,
      })
    ).arrayBuffer();
    return sha256;
  }
}
