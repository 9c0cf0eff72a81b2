// Reading response bodies chunk by chunk, so that every chunk re-arms the stall watchdog, feeds its rate check and is counted.
import { HttpStatusError, RangeMismatchError, TooLargeError } from "./errors.ts";
import { networkError, type Exchange, type HttpStats, type ResponseHeaders } from "./request.ts";

/** Feeds the body to `onChunk`; `expected` (when known) only words the errors. Always closes the exchange. */
export async function readBody(exchange: Exchange, stats: HttpStats, onChunk: (chunk: Uint8Array) => void | Promise<void>, expected?: number): Promise<number> {
  const { url, range, watchdog } = exchange;
  const of = expected === undefined ? "" : ` of ${expected}`;
  let received = 0;
  let complete = false;
  // Only failures of the transfer are network errors; the consumer's own (a full disk) pass unchanged.
  const transferFailed = (error: unknown) => {
    if (watchdog.fired) return watchdog.error(url, range, `after ${received}${of} bytes`, error);
    return networkError(error, url, range, `body ended after ${received}${of} bytes`);
  };
  try {
    const reader = exchange.response.body?.getReader();
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };
      try {
        if (reader) step = await reader.read();
      } catch (error) {
        throw transferFailed(error);
      }
      if (step.done) {
        complete = true;
        return received;
      }
      watchdog.received(step.value.byteLength);
      received += step.value.byteLength;
      stats.bytes += step.value.byteLength;
      await onChunk(step.value);
    }
  } finally {
    watchdog.stop(!complete);
  }
}

/** Reads a body that must be exactly `length` bytes long into memory. */
export async function collectBody(exchange: Exchange, stats: HttpStats, length: number): Promise<Uint8Array> {
  const { url, range } = exchange;
  const buffer = new Uint8Array(length);
  let filled = 0;
  await readBody(
    exchange,
    stats,
    (chunk) => {
      if (filled + chunk.byteLength > length) {
        throw new RangeMismatchError(`body is longer than the ${length} bytes announced`, { url, range });
      }
      buffer.set(chunk, filled);
      filled += chunk.byteLength;
    },
    length,
  );
  if (filled < length) {
    // A clean end before the announced length: most likely a proxy cut it short, worth another try.
    throw new RangeMismatchError(`body ended after ${filled} of ${length} bytes`, { url, range, retryable: true });
  }
  return buffer;
}

/** Drops a response we will not read. */
export function discardBody(exchange: Exchange): void {
  exchange.watchdog.stop(true);
}

/** The error for a status we cannot use; 5xx and 429 are worth retrying. */
export function statusError(exchange: Exchange, expected: string): HttpStatusError {
  const { url, range, response } = exchange;
  discardBody(exchange);
  const status = response.status;
  const retryable = status >= 500 || status === 429;
  const text = `${status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return new HttpStatusError(`server answered ${text}, expected ${expected}`, { url, range, status, retryable, retryAfterMs: retryAfter(response.headers) });
}

/** Content-Length as a number, when present and sane. */
export function contentLength(headers: ResponseHeaders): number | undefined {
  const value = headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

export function checkCap(exchange: Exchange, length: number, cap: number, what: string): void {
  if (length <= cap) return;
  discardBody(exchange);
  throw new TooLargeError(`${what} of ${length} bytes is over the limit of ${cap} bytes`, { url: exchange.url, range: exchange.range });
}

// Seconds only; an HTTP date is rare enough on 429/503 to fall back to our own backoff.
function retryAfter(headers: ResponseHeaders): number | undefined {
  const value = headers.get("retry-after");
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) * 1000 : undefined;
}
