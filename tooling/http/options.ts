// Options of the HTTP byte source and the whole-file download, with every default in one place.
import { parseCidr } from "./address-policy.ts";

/** Options shared by every request: timeouts, retries, redirects, which addresses may be reached. */
export interface HttpOptions {
  /** Longest wait for the response headers, and longest pause between body bytes (default 30 s). */
  timeoutMs?: number;
  /**
   * Longest time one request may take, from sending it to its last body byte, redirects included (default
   * 10 min): a body trickling in a byte at a time never trips `timeoutMs`. Whole-file downloads, which may
   * rightly take hours, are held to `minBytesPerSecond` instead.
   */
  deadlineMs?: number;
  /** Whole-file downloads averaging fewer bytes per second than this, once `rateGraceMs` has passed, are stopped (default 16 KiB/s). */
  minBytesPerSecond?: number;
  /** How long a whole-file download's body may run before its average rate is checked (default 30 s). */
  rateGraceMs?: number;
  /**
   * Connect to loopback, private, link-local and other non-public addresses (default false). URLs and
   * redirects come from strangers: without this, one could make us read from this machine or its network.
   */
  allowPrivateNetwork?: boolean;
  /** Non-public networks allowed all the same, in CIDR notation (e.g. "10.1.0.0/16" for a closed network's mirror; default none). */
  allowedNetworks?: readonly string[];
  /** Retries after 5xx, 429, network errors and stalls; never after other 4xx (default 3). */
  retries?: number;
  /** First backoff before a retry; doubles each time, with jitter (default 250 ms). */
  backoffMs?: number;
  /** Redirects followed per request before giving up (default 5). */
  maxRedirects?: number;
  /** Extra request headers (e.g. Authorization), sent only to the origin of the URL first asked for. */
  headers?: Record<string, string>;
}

export interface HttpSourceOptions extends HttpOptions {
  /**
   * Bytes fetched from the end of the file when opening (default 4 KiB): the zip end records and the last
   * entries of the central directory, which say where the metadata lies; the rest is then fetched exactly
   * (docs/benchmarks.md, remote bytes). The zip reader looks for the end record in the last 4 KiB: a smaller
   * first read costs a request.
   */
  tailBytes?: number;
  /**
   * Prefetched ranges this close together are fetched in one request (default 4 KiB, about what a request's
   * headers cost); ranges further apart are merged while a request carries no more unwanted bytes than wanted.
   */
  coalesceGap?: number;
  /** Cap on one read or one coalesced request (default 512 MiB). */
  maxReadBytes?: number;
  /** When the server ignores Range, download the whole file to a temporary file instead of failing. */
  allowFullDownload?: boolean;
  /** Cap on that whole-file download (default 16 GiB). */
  maxFullDownloadBytes?: number;
}

export type ResolvedHttpOptions = Required<HttpOptions>;
export type ResolvedSourceOptions = Required<HttpSourceOptions>;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const httpDefaults: ResolvedHttpOptions = {
  timeoutMs: 30_000,
  // A 512 MiB read (maxReadBytes) still fits at 1 MiB/s; the usual reads are a few MiB.
  deadlineMs: 10 * 60_000,
  // 1 GiB in under 18 hours; a slowloris sending a byte now and then is dropped after the grace period.
  minBytesPerSecond: 16 * KiB,
  rateGraceMs: 30_000,
  allowPrivateNetwork: false,
  allowedNetworks: [],
  retries: 3,
  backoffMs: 250,
  maxRedirects: 5,
  headers: {},
};

export const sourceDefaults: ResolvedSourceOptions = {
  ...httpDefaults,
  tailBytes: 4 * KiB,
  coalesceGap: 4 * KiB,
  maxReadBytes: 512 * MiB,
  allowFullDownload: false,
  maxFullDownloadBytes: 16 * GiB,
};

export function resolveHttpOptions(options: HttpOptions = {}): ResolvedHttpOptions {
  return validate({ ...httpDefaults, ...definedOnly(options) });
}

export function resolveSourceOptions(options: HttpSourceOptions = {}): ResolvedSourceOptions {
  const resolved = validate({ ...sourceDefaults, ...definedOnly(options) });
  // A zero tail cannot tell us the size: the suffix request needs at least one byte.
  if (resolved.tailBytes < 1) throw new RangeError(`tailBytes must be at least 1 (got ${resolved.tailBytes})`);
  return resolved;
}

// `{ retries: undefined }` from a CLI parser means "not given", not "no value".
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function validate<T extends ResolvedHttpOptions>(options: T): T {
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== "number") continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`HTTP option ${name} must be a non-negative integer (got ${value})`);
    }
  }
  for (const name of ["timeoutMs", "deadlineMs", "minBytesPerSecond"] as const) {
    if (options[name] < 1) throw new RangeError(`HTTP option ${name} must be at least 1 (got ${options[name]})`);
  }
  for (const cidr of options.allowedNetworks) parseCidr(cidr);
  return options;
}
