// One HTTP attempt: a GET that follows redirects by hand (to learn the final URL and the headers Hugging
// Face puts only on its redirect), with a watchdog that aborts when headers or body bytes stop coming.
import {
  HttpNetworkError,
  HttpSourceError,
  HttpStatusError,
  HttpTimeoutError,
  TooManyRedirectsError,
  displayUrl,
} from "./errors.ts";
import type { ResolvedHttpOptions } from "./options.ts";

export interface HttpStats {
  /** Requests sent, counting every redirect hop and every retry. */
  requests: number;
  /** Body bytes received. */
  bytes: number;
}

/** A response whose body is still to be read; `close()` must follow, which the body readers do. */
export interface Exchange {
  readonly url: string;
  readonly range: string | undefined;
  readonly response: Response;
  readonly watchdog: Watchdog;
}

/** Aborts the request when `arm()` is not called again within the timeout. */
export class Watchdog {
  readonly controller = new AbortController();
  readonly timeoutMs: number;
  fired = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.arm();
  }

  arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error(`no data for ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  /** Stops the timer; `abort` also drops the connection, for bodies we will not read to the end. */
  stop(abort = false): void {
    clearTimeout(this.#timer);
    if (abort && !this.controller.signal.aborted) this.controller.abort(new Error("body not needed"));
  }
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export class HttpClient {
  readonly options: ResolvedHttpOptions;
  readonly stats: HttpStats = { requests: 0, bytes: 0 };
  /** Hugging Face's X-Linked-Etag (the LFS file's sha256) and X-Linked-Size, from the first response that had them. */
  linkedEtag: string | undefined;
  linkedSize: number | undefined;
  readonly #origin: string;

  constructor(url: string, options: ResolvedHttpOptions) {
    this.options = options;
    this.#origin = new URL(url).origin;
  }

  /** Sends one GET (plus its redirects) and returns once the final response's headers are in. */
  async send(url: string, range?: string): Promise<Exchange> {
    const chain = [url];
    for (let current = url; ; ) {
      const watchdog = new Watchdog(this.options.timeoutMs);
      this.stats.requests += 1;
      let response: Response;
      try {
        response = await fetch(current, { redirect: "manual", headers: this.#headersFor(current, range), signal: watchdog.controller.signal });
      } catch (error) {
        watchdog.stop();
        if (watchdog.fired) {
          throw new HttpTimeoutError(`no response within ${watchdog.timeoutMs} ms`, { url: current, range, retryable: true, cause: error });
        }
        throw networkError(error, current, range, "request failed");
      }
      watchdog.arm(); // from here on it guards the body
      this.#captureLinkedHeaders(response.headers);
      if (!redirectStatuses.has(response.status)) return { url: current, range, response, watchdog };

      watchdog.stop(true);
      const location = response.headers.get("location");
      if (!location) throw new HttpStatusError(`redirect ${response.status} without a Location header`, { url: current, range, status: response.status });
      const next = new URL(location, current).href;
      if (chain.length > this.options.maxRedirects) {
        const loop = chain.includes(next) ? " (a redirect loop)" : "";
        throw new TooManyRedirectsError(`more than ${this.options.maxRedirects} redirects${loop}: ${chain.map(displayUrl).join(" -> ")} -> ${displayUrl(next)}`, { url, range });
      }
      chain.push(next);
      current = next;
    }
  }

  #headersFor(url: string, range: string | undefined): Record<string, string> {
    // Credentials stay with the origin they were given for; CDN redirect targets carry signed URLs instead.
    const own = new URL(url).origin === this.#origin ? this.options.headers : {};
    // Identity encoding: a compressed body would not have the byte offsets we asked for.
    const headers: Record<string, string> = { ...own, "accept-encoding": "identity" };
    if (range !== undefined) headers.range = range;
    return headers;
  }

  #captureLinkedHeaders(headers: Headers): void {
    const etag = headers.get("x-linked-etag");
    if (this.linkedEtag === undefined && etag) this.linkedEtag = etag.replace(/^W\//, "").replaceAll('"', "");
    const size = Number(headers.get("x-linked-size") ?? Number.NaN);
    if (this.linkedSize === undefined && Number.isSafeInteger(size) && size >= 0) this.linkedSize = size;
  }
}

/** Only absolute http(s) URLs; anything else fails here rather than as an obscure fetch error. */
export function checkUrl(url: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol === "http:" || protocol === "https:") return url;
  const problem = protocol === undefined ? "not a valid URL" : `only http and https URLs can be read (got ${protocol})`;
  throw new HttpSourceError(`${url}: ${problem}`, { url, prefix: false });
}

/** Turns fetch's "TypeError: fetch failed" into a message with the system error code. */
export function networkError(error: unknown, url: string, range: string | undefined, what: string): HttpNetworkError {
  const code = errorCode(error);
  // Name resolution and certificate failures will not heal within a few hundred milliseconds.
  const retryable = !/^(ENOTFOUND|ERR_INVALID_URL)$|CERT|TLS|SSL/.test(code);
  return new HttpNetworkError(`${what} (${code})`, { url, range, retryable, cause: error });
}

function errorCode(error: unknown): string {
  for (let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && e.code !== "UND_ERR_SOCKET") return e.code;
    if (!e.cause && typeof e.message === "string") return e.message;
  }
  return String(error);
}
