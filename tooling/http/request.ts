// One HTTP attempt: a GET that follows redirects by hand (to learn the final URL and the headers Hugging
// Face puts only on its redirect, and to check each hop), with a watchdog that aborts when headers or body
// bytes stop coming, when the request outlives its deadline, or when a whole-file download is too slow.
// Requests go through undici with a dispatcher that refuses non-public addresses (private-network.ts).
import type { Response } from "undici";
import { strangerText } from "../../src/text/control.ts";
import {
  ContentEncodingError,
  DeadlineExceededError,
  HttpNetworkError,
  HttpSourceError,
  HttpStatusError,
  HttpTimeoutError,
  PrivateNetworkError,
  TooManyRedirectsError,
  TooSlowError,
  displayUrl,
} from "./errors.ts";
import type { ResolvedHttpOptions } from "./options.ts";
import { dispatcherFor, refusedAddressIn } from "./private-network.ts";

export interface HttpStats {
  /** Requests sent, counting every redirect hop and every retry. */
  requests: number;
  /** Body bytes received. */
  bytes: number;
}

/** Undici's Headers, which are not the global fetch's type. */
export type ResponseHeaders = Response["headers"];

/** A response whose body is still to be read; `close()` must follow, which the body readers do. */
export interface Exchange {
  readonly url: string;
  readonly range: string | undefined;
  readonly response: Response;
  readonly watchdog: Watchdog;
}

type Limit = "idle" | "deadline" | "rate";

/**
 * Aborts the request when `arm()` is not called again within the idle timeout, when the deadline passes,
 * or (once `measureRate()` is called) when the body's average rate is under the minimum after the grace period.
 */
export class Watchdog {
  readonly controller = new AbortController();
  readonly timeoutMs: number;
  /** Which limit aborted the request, if one did. */
  fired: Limit | undefined;
  readonly #options: ResolvedHttpOptions;
  #idle: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #grace: NodeJS.Timeout | undefined;
  #rateSince: number | undefined;
  #rateBytes = 0;
  #stopped = false;

  /** `deadlineAt` (a Date.now() time) is shared by the hops of one request; undefined for none. */
  constructor(options: ResolvedHttpOptions, deadlineAt: number | undefined) {
    this.#options = options;
    this.timeoutMs = options.timeoutMs;
    if (deadlineAt !== undefined) this.#deadline = after(deadlineAt - Date.now(), () => this.#fire("deadline"));
    this.arm();
  }

  arm(): void {
    clearTimeout(this.#idle);
    if (!this.#stopped) this.#idle = after(this.timeoutMs, () => this.#fire("idle"));
  }

  /** A body chunk arrived: re-arms the idle timer and checks the rate. */
  received(bytes: number): void {
    this.arm();
    this.#rateBytes += bytes;
    if (this.#rateSince !== undefined && Date.now() - this.#rateSince >= this.#options.rateGraceMs) this.#checkRate();
  }

  /** From now on this is a whole-file download: no deadline, but a minimum average rate once the grace period is over. */
  measureRate(): void {
    clearTimeout(this.#deadline);
    this.#rateSince = Date.now();
    this.#rateBytes = 0;
    this.#grace = after(this.#options.rateGraceMs, () => this.#checkRate());
  }

  /** Stops the timers; `abort` also drops the connection, for bodies we will not read to the end. */
  stop(abort = false): void {
    this.#stopped = true;
    clearTimeout(this.#idle);
    clearTimeout(this.#deadline);
    clearTimeout(this.#grace);
    if (abort && !this.controller.signal.aborted) this.controller.abort(new Error("body not needed"));
  }

  /** The error for the limit that fired; `progress` says how far the body got ("after 5 of 100 bytes"), absent before headers. */
  error(url: string, range: string | undefined, progress: string | undefined, cause: unknown): HttpTimeoutError {
    const details = { url, range, cause };
    if (this.fired === "deadline") {
      const what = progress === undefined ? "no complete response" : `body not complete (${progress})`;
      return new DeadlineExceededError(`${what} within the deadline of ${this.#options.deadlineMs} ms (option deadlineMs)`, details);
    }
    if (this.fired === "rate") {
      const seconds = (Date.now() - (this.#rateSince ?? Date.now())) / 1000;
      return new TooSlowError(
        `download too slow: ${this.#rateBytes} bytes in ${seconds.toFixed(1)} s, under the minimum average of ${this.#options.minBytesPerSecond} bytes/s ` +
          `required after ${this.#options.rateGraceMs} ms (option minBytesPerSecond)${progress === undefined ? "" : `, ${progress}`}`,
        details,
      );
    }
    // A stall may be a passing hiccup: worth another attempt. The other two limits bound how long a server
    // may hold us; retrying would multiply that bound.
    const what = progress === undefined ? `no response within ${this.timeoutMs} ms` : `body stalled: no data for ${this.timeoutMs} ms ${progress}`;
    return new HttpTimeoutError(what, { ...details, retryable: true });
  }

  #checkRate(): void {
    if (this.#rateSince === undefined || this.fired) return;
    const seconds = (Date.now() - this.#rateSince) / 1000;
    if (this.#rateBytes < this.#options.minBytesPerSecond * seconds) this.#fire("rate");
  }

  #fire(limit: Limit): void {
    if (this.fired || this.controller.signal.aborted) return;
    this.fired = limit;
    this.stop();
    this.controller.abort(new Error(`${limit} limit reached`));
  }
}

// setTimeout fires at once for delays past 2^31-1 ms (24.8 days), which a generous option could ask for.
function after(ms: number, run: () => void): NodeJS.Timeout {
  return setTimeout(run, Math.min(Math.max(0, ms), 2 ** 31 - 1));
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

  /**
   * Sends one GET (plus its redirects) and returns once the final response's headers are in. A `wholeFile`
   * download has no deadline; its body is held to the minimum rate instead.
   */
  async send(url: string, range?: string, { wholeFile = false } = {}): Promise<Exchange> {
    const chain = [url];
    const deadlineAt = wholeFile ? undefined : Date.now() + this.options.deadlineMs;
    for (let current = url; ;) {
      const watchdog = new Watchdog(this.options, deadlineAt);
      this.stats.requests += 1;
      let response: Response;
      try {
        const [{ fetch }, dispatcher] = await Promise.all([import("undici"), dispatcherFor(this.options)]);
        response = await fetch(current, { redirect: "manual", headers: this.#headersFor(current, range), signal: watchdog.controller.signal, dispatcher });
      } catch (error) {
        watchdog.stop();
        if (watchdog.fired) throw watchdog.error(current, range, undefined, error);
        throw networkError(error, current, range, "request failed");
      }
      watchdog.arm(); // from here on it guards the body
      if (wholeFile) watchdog.measureRate();
      this.#captureLinkedHeaders(response.headers);
      if (!redirectStatuses.has(response.status)) {
        refuseEncodedBody(current, range, response, watchdog);
        return { url: current, range, response, watchdog };
      }

      watchdog.stop(true);
      const location = response.headers.get("location");
      if (!location) throw new HttpStatusError(`redirect ${response.status} without a Location header`, { url: current, range, status: response.status });
      const next = URL.canParse(location, current) ? new URL(location, current).href : undefined;
      const protocol = next === undefined ? undefined : new URL(next).protocol;
      if (next === undefined || (protocol !== "http:" && protocol !== "https:")) {
        // A redirect is the server's word, not the user's: it may not lead to file:, data: or anything but http(s).
        throw new HttpStatusError(`redirect ${response.status} to ${JSON.stringify(location)}, which is not an http(s) URL`, {
          url: current,
          range,
          status: response.status,
        });
      }
      if (chain.length > this.options.maxRedirects) {
        const loop = chain.includes(next) ? " (a redirect loop)" : "";
        throw new TooManyRedirectsError(
          `more than ${this.options.maxRedirects} redirects${loop}: ${chain.map(displayUrl).join(" -> ")} -> ${displayUrl(next)}`,
          { url, range },
        );
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

  #captureLinkedHeaders(headers: ResponseHeaders): void {
    const etag = headers.get("x-linked-etag");
    if (this.linkedEtag === undefined && etag) this.linkedEtag = etag.replace(/^W\//, "").replaceAll('"', "");
    const size = Number(headers.get("x-linked-size") ?? Number.NaN);
    if (this.linkedSize === undefined && Number.isSafeInteger(size) && size >= 0) this.linkedSize = size;
  }
}

/**
 * We ask for identity encoding, and fetch would decode whatever the server sends anyway: a gzip or brotli body
 * has neither the length nor the byte offsets asked for, and a few KB of it can decode into gigabytes. So a
 * successful answer with any other Content-Encoding is refused before a byte of it is read or decoded.
 */
function refuseEncodedBody(url: string, range: string | undefined, response: Response, watchdog: Watchdog): void {
  const encoding = response.headers.get("content-encoding");
  if (encoding === null || /^\s*(identity)?\s*$/i.test(encoding) || response.status < 200 || response.status > 299) return;
  watchdog.stop(true);
  throw new ContentEncodingError(
    `server answered ${response.status} with Content-Encoding ${JSON.stringify(strangerText(encoding, 80))} although identity was asked for; ` +
      "refused without decoding it (a compressed body has neither the announced length nor the byte offsets asked for)",
    { url, range, status: response.status },
  );
}

/** Only absolute http(s) URLs; anything else fails here rather than as an obscure fetch error. */
export function checkUrl(url: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol === "http:" || protocol === "https:") return url;
  const problem = protocol === undefined ? "not a valid URL" : `only http and https URLs can be read (got ${protocol})`;
  throw new HttpSourceError(`${url}: ${problem}`, { url, prefix: false });
}

/** Turns fetch's "TypeError: fetch failed" into a message with the system error code, or the address refused. */
export function networkError(error: unknown, url: string, range: string | undefined, what: string): HttpNetworkError | PrivateNetworkError {
  const refused = refusedAddressIn(error);
  if (refused) {
    return new PrivateNetworkError(`${refused.message}; pass --allow-private-network to allow it`, { url, range, cause: error });
  }
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
