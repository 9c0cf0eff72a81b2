// The two kinds of request the byte source makes: the opening suffix request (learns the size and the
// file's validators, caches the tail, where a zip keeps its directory) and plain range requests for
// everything after, each checked to be of the same file (same-file.ts) and the same size.
import { checkCap, collectBody, contentLength, discardBody, statusError } from "./body.ts";
import { checkPartialResponse, parseUnsatisfiedRange, rangeHeader, type Wanted } from "./content-range.ts";
import { RangeNotSupportedError, displayUrl } from "./errors.ts";
import type { ResolvedSourceOptions } from "./options.ts";
import type { Exchange, HttpClient } from "./request.ts";
import { withRetries } from "./retry.ts";
import { checkSameFile, validatorsOf, type Validators } from "./same-file.ts";
import { spoolToTempFile, type TempFile } from "./temp-file.ts";

export interface Opened {
  size: number;
  finalUrl: string;
  /** The opening response's ETag and Last-Modified, which every later response must match. */
  validators: Validators;
  /** The last bytes of the file (all of it when small). */
  tail?: { offset: number; data: Uint8Array };
  /** The whole file, when the server ignored Range and a full download was allowed. */
  file?: TempFile;
}

export async function requestTail(client: HttpClient, url: string, options: ResolvedSourceOptions): Promise<Opened> {
  const wanted: Wanted = { suffix: options.tailBytes };
  return withRetries(options, async () => {
    const exchange = await client.send(url, rangeHeader(wanted));
    const { response } = exchange;
    const base = { finalUrl: exchange.url, validators: validatorsOf(response.headers) };
    if (response.status === 206) {
      const span = checkPartialResponse(exchange, wanted);
      const data = await collectBody(exchange, client.stats, span.end - span.start + 1);
      return { ...base, size: span.total, tail: { offset: span.start, data } };
    }
    // A suffix of an empty file cannot be satisfied: the answer is 416 with "bytes */0".
    if (response.status === 416 && parseUnsatisfiedRange(response.headers.get("content-range")) === 0) {
      discardBody(exchange);
      return { ...base, size: 0 };
    }
    if (response.status === 200) return acceptWholeBody(exchange, client, options, base);
    throw statusError(exchange, "206 Partial Content");
  });
}

async function acceptWholeBody(
  exchange: Exchange,
  client: HttpClient,
  options: ResolvedSourceOptions,
  base: Pick<Opened, "finalUrl" | "validators">,
): Promise<Opened> {
  const { url, range } = exchange;
  const length = contentLength(exchange.response.headers);
  // No bigger than the tail we asked for: taking it all costs nothing extra.
  if (length !== undefined && length <= options.tailBytes) {
    const data = await collectBody(exchange, client.stats, length);
    return { ...base, size: length, tail: { offset: 0, data } };
  }
  if (!options.allowFullDownload) {
    discardBody(exchange);
    const whole = length === undefined ? "the whole file" : `the whole file (${length} bytes)`;
    throw new RangeNotSupportedError(
      `The server at ${displayUrl(url)} ignores Range requests: it answered 200 with ${whole} instead of the last ${options.tailBytes} bytes. ` +
        "Re-run with --allow-full-download to download the whole file to a temporary file instead.",
      { url, range, status: 200, prefix: false },
    );
  }
  if (length !== undefined) checkCap(exchange, length, options.maxFullDownloadBytes, "whole-file download");
  // A whole file may rightly take hours: held to the minimum rate from here, not to the deadline.
  exchange.watchdog.measureRate();
  const file = await spoolToTempFile(exchange, client.stats, options.maxFullDownloadBytes, length);
  return { ...base, size: file.source.size, file };
}

/** Fetches bytes start..end (inclusive) of a file opened with `requestTail`, checking it is still the same file. */
export async function requestRange(client: HttpClient, opened: Opened, start: number, end: number): Promise<Uint8Array> {
  const wanted: Wanted = { start, end };
  return withRetries(client.options, async () => {
    const exchange = await client.send(opened.finalUrl, rangeHeader(wanted));
    const { url, range, response } = exchange;
    if (response.status === 200) {
      discardBody(exchange);
      throw new RangeNotSupportedError("server answered 200 with the whole file, though it honoured Range when the file was opened", {
        url,
        range,
        status: 200,
      });
    }
    if (response.status !== 206) throw statusError(exchange, "206 Partial Content");
    checkSameFile(opened.validators, exchange);
    const span = checkPartialResponse(exchange, wanted, opened.size);
    return collectBody(exchange, client.stats, span.end - span.start + 1);
  });
}
