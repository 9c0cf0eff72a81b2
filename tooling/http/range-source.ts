// A ByteSource over HTTP Range requests: a checkpoint of gigabytes is read through its zip directory
// and a few members, a thousandth of its bytes, in about three requests.
import { ByteSourceError, type ByteSource } from "../source/byte-source.ts";
import { TooLargeError } from "./errors.ts";
import { resolveSourceOptions, type HttpSourceOptions, type ResolvedSourceOptions } from "./options.ts";
import { RangeCache, coalesce, type ByteRange } from "./range-cache.ts";
import { requestRange, requestTail, type Opened } from "./range-requests.ts";
import { checkUrl, HttpClient, type HttpStats } from "./request.ts";

export type { HttpSourceOptions } from "./options.ts";
export type { ByteRange } from "./range-cache.ts";
export type { HttpStats } from "./request.ts";

/** Opens `url` with one suffix request that learns the size and caches the file's tail. */
export async function openHttpSource(url: string, options: HttpSourceOptions = {}): Promise<HttpSource> {
  const resolved = resolveSourceOptions(options);
  const client = new HttpClient(checkUrl(url), resolved);
  const opened = await requestTail(client, url, resolved);
  return new HttpSource(url, client, opened, resolved);
}

export class HttpSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  /** The URL after redirects; every later request goes there directly. */
  readonly finalUrl: string;
  readonly etag: string | undefined;
  /** Hugging Face's X-Linked-Etag: the sha256 of an LFS file, without quotes. */
  readonly linkedEtag: string | undefined;
  /** Hugging Face's X-Linked-Size. */
  readonly linkedSize: number | undefined;
  /** Requests made (redirects and retries included) and body bytes received, live. */
  readonly stats: HttpStats;
  readonly #client: HttpClient;
  readonly #opened: Opened;
  readonly #options: ResolvedSourceOptions;
  readonly #cache = new RangeCache();
  #closed = false;

  /** Use `openHttpSource`. */
  constructor(name: string, client: HttpClient, opened: Opened, options: ResolvedSourceOptions) {
    this.name = name;
    this.size = opened.size;
    this.finalUrl = opened.finalUrl;
    this.etag = opened.validators.etag;
    this.linkedEtag = client.linkedEtag;
    this.linkedSize = client.linkedSize;
    this.stats = client.stats;
    this.#client = client;
    this.#opened = opened;
    this.#options = options;
    if (opened.tail) this.#cache.put(opened.tail.offset, opened.tail.data);
  }

  /** Whether reads come from a full download in a temporary file (the server ignored Range). */
  get downloadedWhole(): boolean {
    return this.#opened.file !== undefined;
  }

  /** Bytes held in the read cache. */
  get cachedBytes(): number {
    return this.#cache.bytes;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.#checkRange({ offset, length });
    if (this.#opened.file) return this.#opened.file.source.read(offset, length);
    if (length === 0) return new Uint8Array(0);
    const cached = this.#cache.get(offset, length);
    if (cached) return cached;
    // Not cached: the caller keeps what it asked for; prefetch() is the way to ask for caching.
    return requestRange(this.#client, this.#opened, offset, offset + length - 1);
  }

  /**
   * Fetches and caches the given ranges, merging those less than `coalesceGap` apart into one request,
   * so that later reads inside them cost nothing. Parts already cached are not fetched again.
   */
  isCached(offset: number, length: number): boolean {
    return this.#opened.file !== undefined || this.#cache.missing({ offset, length }).length === 0;
  }

  async prefetch(ranges: ByteRange[]): Promise<void> {
    for (const range of ranges) this.#checkRange(range);
    if (this.#opened.file) return;
    const missing = ranges.flatMap((range) => this.#cache.missing(range));
    const batches = coalesce(missing, this.#options.coalesceGap, this.#options.maxReadBytes);
    const results = await Promise.allSettled(
      batches.map(async ({ offset, length }) => {
        this.#cache.put(offset, await requestRange(this.#client, this.#opened, offset, offset + length - 1));
      }),
    );
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    await this.#opened.file?.dispose();
  }

  #checkRange({ offset, length }: ByteRange): void {
    if (this.#closed) throw new ByteSourceError(`${this.name}: read after close`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new ByteSourceError(`${this.name}: read of ${length} bytes at offset ${offset} is beyond the end of the file (${this.size} bytes)`);
    }
    if (length > this.#options.maxReadBytes) {
      const problem = `${this.name}: refusing to read ${length} bytes at offset ${offset} in one go (limit ${this.#options.maxReadBytes} bytes, option maxReadBytes)`;
      throw new TooLargeError(problem, { url: this.finalUrl, prefix: false });
    }
  }
}
