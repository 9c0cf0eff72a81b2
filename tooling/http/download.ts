// Whole-file GETs: streamed to a file (the checkpoint cache) or through sha256 (`--hash` on a URL), or, for
// a small document (a registry server's entries), kept in memory under a cap. All go through the same client
// as the Range reads: redirects, the address policy, timeouts, retries with backoff, Content-Range checks, and
// a cap on the bytes accepted. Instead of a deadline, which a multi-GB file could rightly need, they must keep
// up a minimum average rate.
import { constants } from "node:fs";
import { lstat, open, rm } from "node:fs/promises";
import { readBody, contentLength, discardBody, statusError } from "./body.ts";
import { checkPartialResponse, parseUnsatisfiedRange, rangeHeader } from "./content-range.ts";
import { HttpNetworkError, RangeMismatchError, TooLargeError } from "./errors.ts";
import { resolveHttpOptions, type HttpOptions } from "./options.ts";
import { checkUrl, HttpClient, type HttpStats, type ResponseHeaders } from "./request.ts";
import { withRetries } from "./retry.ts";
import { checkSameFile, validatorsOf, type Validators } from "./same-file.ts";

export interface DownloadOptions extends HttpOptions {
  /** Called as bytes arrive; `total` is the file's size when the server says it. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** More bytes than this are refused, whatever the server announces (default: no cap). */
  maxBytes?: number;
}

export interface DownloadResult {
  size: number;
  finalUrl: string;
  /** Hugging Face's X-Linked-Etag (the expected sha256 of an LFS file), when the server sent one. */
  linkedEtag: string | undefined;
  stats: HttpStats;
}

function capOf(options: DownloadOptions): number {
  return options.maxBytes ?? Number.MAX_SAFE_INTEGER;
}

function tooLarge(url: string, cap: number, what: string): TooLargeError {
  return new TooLargeError(`${what}, more than the ${cap} bytes accepted`, { url });
}

/**
 * Checked before each chunk is kept, so that no byte beyond the cap or beyond the announced length is ever
 * written: a server cannot make us hold more than it promised by sending more than it said.
 */
function checkArriving(url: string, received: number, cap: number, announced: number | undefined): void {
  if (received > cap) throw tooLarge(url, cap, `${received} bytes received`);
  if (announced !== undefined && received > announced) throw new RangeMismatchError(`body is longer than the ${announced} bytes announced`, { url });
}

/**
 * One whole-file GET, its body fed to a fresh `sink` on every attempt (a failure mid-stream restarts from zero:
 * a half-fed hash cannot be rewound), within the cap, the announced length checked.
 */
async function wholeFile<T>(
  url: string,
  options: DownloadOptions,
  sink: () => { add(chunk: Uint8Array): void; done(headers: ResponseHeaders): T },
): Promise<DownloadResult & T> {
  const { onProgress, maxBytes: _cap, ...httpOptions } = options;
  const cap = capOf(options);
  const client = new HttpClient(checkUrl(url), resolveHttpOptions(httpOptions));
  return withRetries(client.options, async () => {
    const exchange = await client.send(url, undefined, { wholeFile: true });
    if (exchange.response.status !== 200) throw statusError(exchange, "200 OK");
    const total = contentLength(exchange.response.headers);
    if (total !== undefined && total > cap) {
      discardBody(exchange);
      throw tooLarge(exchange.url, cap, `the server announces ${total} bytes`);
    }
    const into = sink();
    let size = 0;
    await readBody(
      exchange,
      client.stats,
      (chunk) => {
        size += chunk.byteLength;
        checkArriving(exchange.url, size, cap, total);
        into.add(chunk);
        onProgress?.(size, total);
      },
      total,
    );
    if (total !== undefined && size !== total) throw new HttpNetworkError(`body ended after ${size} of ${total} bytes`, { url: exchange.url, retryable: true });
    return { ...into.done(exchange.response.headers), size, finalUrl: exchange.url, linkedEtag: client.linkedEtag, stats: client.stats };
  });
}

/** Streams the whole file through sha256. */
export async function downloadToHash(url: string, options: DownloadOptions = {}): Promise<DownloadResult & { sha256: string }> {
  const { createHash } = await import("node:crypto");
  return wholeFile(url, options, () => {
    const hash = createHash("sha256");
    return { add: (chunk) => hash.update(chunk), done: () => ({ sha256: hash.digest("hex") }) };
  });
}

/** A small document (a registry's JSON), held in memory: the same client and checks, with a cap it must fit in. */
export async function downloadToMemory(
  url: string,
  options: DownloadOptions & { maxBytes: number },
): Promise<DownloadResult & { body: Uint8Array; etag: string | undefined }> {
  return wholeFile(url, options, () => {
    const chunks: Uint8Array[] = [];
    return { add: (chunk) => chunks.push(chunk), done: (headers) => ({ body: Buffer.concat(chunks), etag: headers.get("etag") ?? undefined }) };
  });
}

/** Bytes of a resumable partial download: a regular file's size; anything else (a planted link) is removed first. */
async function sizeOf(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return 0;
  if (info.isFile()) return info.size;
  await rm(path, { force: true });
  return 0;
}

/** Opens the partial download without following a link at its name: bytes go into our file, nowhere else. */
function openPart(path: string, append: boolean) {
  return open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (append ? constants.O_APPEND : constants.O_TRUNC), 0o644);
}

/**
 * Downloads `url` into `path`, resuming from the bytes `path` already holds (a Range request, its
 * Content-Range checked) and again after each retried failure. On any final failure `path` is removed:
 * nothing a stranger's server sent stays behind.
 */
export async function downloadToFile(url: string, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { onProgress, maxBytes: _cap, ...httpOptions } = options;
  const cap = capOf(options);
  const client = new HttpClient(checkUrl(url), resolveHttpOptions(httpOptions));
  let at = url;
  // What the first response of this call said of the file: a resumed attempt must be of the same file.
  let first: { validators: Validators; total: number | undefined } | undefined;
  try {
    return await withRetries(client.options, async () => {
      let have = await sizeOf(path);
      if (have > cap) have = 0;
      const exchange = await client.send(at, have > 0 ? rangeHeader({ from: have }) : undefined, { wholeFile: true });
      at = exchange.url;
      const { status, headers } = exchange.response;
      if (first && (status === 206 || status === 416)) checkSameFile(first.validators, exchange);
      let total: number | undefined;
      if (status === 206 && have > 0) total = checkPartialResponse(exchange, { from: have }, first?.total).total;
      else if (status === 416 && have > 0 && parseUnsatisfiedRange(headers.get("content-range")) === have) {
        // Everything was there already.
        discardBody(exchange);
        return { size: have, finalUrl: at, linkedEtag: client.linkedEtag, stats: client.stats };
      } else if (status === 200) {
        have = 0; // the server ignores Range (or there was nothing to resume): start over
        total = contentLength(headers);
      } else throw statusError(exchange, have > 0 ? "206 Partial Content" : "200 OK");
      if (total !== undefined && total > cap) {
        discardBody(exchange);
        throw tooLarge(exchange.url, cap, `the file is ${total} bytes`);
      }
      // A 200 starts the file afresh, so it becomes the version later attempts must match.
      if (!first || status === 200) first = { validators: validatorsOf(headers), total };
      const file = await openPart(path, have > 0);
      let done = have;
      try {
        await readBody(
          exchange,
          client.stats,
          async (chunk) => {
            done += chunk.byteLength;
            checkArriving(exchange.url, done, cap, total);
            for (let written = 0; written < chunk.byteLength;) written += (await file.write(chunk, written, chunk.byteLength - written)).bytesWritten;
            onProgress?.(done, total);
          },
          total === undefined ? undefined : total - have,
        );
      } finally {
        await file.close();
      }
      if (total !== undefined && done !== total)
        throw new HttpNetworkError(`body ended after ${done} of ${total} bytes`, { url: exchange.url, retryable: true });
      return { size: done, finalUrl: at, linkedEtag: client.linkedEtag, stats: client.stats };
    });
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
