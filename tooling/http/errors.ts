// Failures of reads over HTTP. They extend ByteSourceError so that the zip reader and the commands
// handle a broken download like any other unreadable checkpoint, while tests and retries can tell them apart.
import { ByteSourceError } from "../source/byte-source.ts";

export interface HttpErrorDetails {
  /** The URL that was requested when it went wrong (after redirects). */
  url: string;
  /** The Range header that was sent, e.g. "bytes=100-199"; absent for whole-file requests. */
  range?: string | undefined;
  status?: number | undefined;
  /** Transient trouble (5xx, 429, network, stall): another attempt may succeed. */
  retryable?: boolean;
  /** Server's Retry-After, honoured by the retry loop. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
  /** Whether the message names the request itself (default); false when the problem text already does. */
  prefix?: boolean;
}

export class HttpSourceError extends ByteSourceError {
  readonly url: string;
  readonly range: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /** How many attempts were made before giving up; set by the retry loop. */
  attempts = 1;

  constructor(problem: string, details: HttpErrorDetails) {
    super(details.prefix === false ? problem : `${describeRequest(details.url, details.range)}: ${problem}`, { cause: details.cause });
    this.url = details.url;
    this.range = details.range;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** An answer with a status we cannot use (4xx, 5xx, a redirect without Location). */
export class HttpStatusError extends HttpSourceError {}

/** No response headers, or no body bytes, within the timeout. */
export class HttpTimeoutError extends HttpSourceError {}

/** A request (redirects and body included) not done within its deadline: a body trickling slowly still ends. */
export class DeadlineExceededError extends HttpTimeoutError {}

/** A whole-file download averaging less than the minimum rate once its grace period is over. */
export class TooSlowError extends HttpTimeoutError {}

/** The URL, or a redirect, leads to a loopback, private, link-local or otherwise non-public address. */
export class PrivateNetworkError extends HttpSourceError {}

/** The connection failed: refused, reset, closed before the body ended. */
export class HttpNetworkError extends HttpSourceError {}

/** The server answered 200 with the whole file to a Range request. */
export class RangeNotSupportedError extends HttpSourceError {}

/** A 206 whose Content-Range or body does not match what was asked for. */
export class RangeMismatchError extends HttpSourceError {}

/** The size, ETag or Last-Modified changed between requests: the ranges would come from different files. */
export class FileChangedError extends HttpSourceError {}

export class TooManyRedirectsError extends HttpSourceError {}

/** A body sent compressed (gzip, br, ...) although identity was asked for: refused, never decoded. */
export class ContentEncodingError extends HttpSourceError {}

/** A read or download larger than the configured cap. */
export class TooLargeError extends HttpSourceError {}

/** "GET <url> (Range: bytes=a-b)", with any query string elided: signed CDN URLs are long and secret-ish. */
export function describeRequest(url: string, range?: string): string {
  return range === undefined ? `GET ${displayUrl(url)}` : `GET ${displayUrl(url)} (Range: ${range})`;
}

export function displayUrl(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : `${url.slice(0, query)}?…`;
}
