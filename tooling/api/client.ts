// The one HTTP client of the registry server's API (/api/v1), for the worker, `jobs` and `sync-entries`. Every
// call has a deadline that covers the answer's body too; a token goes as a bearer header; an answer that is not
// a success becomes a ServerCallError carrying its status, so that a caller can tell a lost lease (409: stop) from
// a server it cannot reach (retry later). Answers are untrusted: read up to a cap, and a problem document's text
// escaped before it reaches a message.
import { RegistryError, causeMessage, errorMessage, isTimeout } from "../../src/errors.ts";
import { strangerText } from "../../src/text/control.ts";
import { apiBase } from "./wire.ts";
import { jsonObject } from "../../src/text/json-object.ts";

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

/** An answer over the size the caller reads. */
export class OversizedAnswer extends RegistryError {}

/** The most of a problem document read: its detail is shown in one line. */
const maxProblemBytes = 64 * 1024;

/** The body of `response` as text, at most `max` bytes. */
export async function readAnswer(response: Response, max: number): Promise<string> {
  return Buffer.from(await readAnswerBytes(response, max)).toString("utf8");
}

/** The body of `response`, at most `max` bytes: a server cannot make its client hold more. */
export async function readAnswerBytes(response: Response, max: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
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
  return Buffer.concat(chunks);
}

export interface CallOptions {
  timeoutMs: number;
  /** A JSON request body. */
  json?: unknown;
  /** A raw request body (an upload), streamed when it is a stream. */
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class ApiClient {
  /** The server's URL without a trailing slash, as the operator named it. */
  readonly server: string;
  readonly #token: string | undefined;

  constructor(server: string, token?: string) {
    this.server = server.replace(/\/+$/, "");
    this.#token = token;
  }

  url(path: string): string {
    return `${this.server}${apiBase}${path}`;
  }

  /** A successful answer to `method path`, its body unread; else a ServerCallError. */
  async call(method: string, path: string, options: CallOptions): Promise<Response> {
    const url = this.url(path);
    const deadline = AbortSignal.timeout(options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
          ...(options.json !== undefined ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
        body: options.body ?? (options.json !== undefined ? JSON.stringify(options.json) : undefined),
        signal: options.signal ? AbortSignal.any([deadline, options.signal]) : deadline,
        ...(options.body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (error) {
      const why = isTimeout(error) ? `no answer within ${options.timeoutMs / 1000} s` : (causeMessage(error) ?? errorMessage(error));
      throw new ServerCallError(`${method} ${url}: ${why}`, undefined, { cause: error });
    }
    if (response.ok) return response;
    const text = await readAnswer(response, maxProblemBytes).catch(() => "");
    let detail = text;
    try {
      const problem = jsonObject(JSON.parse(text));
      detail = String(problem?.detail ?? problem?.title ?? detail);
    } catch {
      // not a problem document: the text as it is
    }
    throw new ServerCallError(`${method} ${url}: ${response.status} ${strangerText(detail, 500).replace(/\n/g, " ")}`.trimEnd(), response.status);
  }

  /** The body of a successful answer, at most `maxBytes`; a longer one, or a body cut off, is a ServerCallError. */
  async bytes(method: string, path: string, options: CallOptions & { maxBytes: number }): Promise<Uint8Array> {
    const response = await this.call(method, path, options);
    try {
      return await readAnswerBytes(response, options.maxBytes);
    } catch (error) {
      const why = error instanceof OversizedAnswer ? error.message : isTimeout(error) ? `no answer within ${options.timeoutMs / 1000} s` : errorMessage(error);
      throw new ServerCallError(`${method} ${this.url(path)}: ${why}`, error instanceof OversizedAnswer ? response.status : undefined, { cause: error });
    }
  }

  /** A successful answer parsed as JSON (its shape unchecked: the caller reads it as untrusted). */
  async json(method: string, path: string, options: CallOptions & { maxBytes: number }): Promise<unknown> {
    const bytes = await this.bytes(method, path, options);
    try {
      const answer: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"));
      return answer;
    } catch {
      throw new ServerCallError(`${method} ${this.url(path)}: the answer is not JSON`, undefined);
    }
  }
}
