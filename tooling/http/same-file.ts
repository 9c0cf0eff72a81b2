// Bytes put together from several responses (the ranges of one checkpoint, a download resumed after a
// failure) must all come from one version of the file, or the zip reader and the hash see a chimera.
// The rule, from strongest evidence to weakest:
// - both responses carry an ETag: the tags must be equal (a weak W/ prefix aside);
// - otherwise, when the first response had an ETag or a Last-Modified: both must carry the same Last-Modified;
//   a response that drops every validator the first one had is refused, as it cannot be shown to be the same file;
// - when the first response had neither, there is nothing to compare but the size, which the callers check
//   through Content-Range's total; validators that appear only later are accepted, having nothing to contradict.
import { discardBody } from "./body.ts";
import { FileChangedError } from "./errors.ts";
import type { Exchange, ResponseHeaders } from "./request.ts";

export interface Validators {
  etag: string | undefined;
  lastModified: string | undefined;
}

export function validatorsOf(headers: ResponseHeaders): Validators {
  return { etag: headers.get("etag") ?? undefined, lastModified: headers.get("last-modified") ?? undefined };
}

/** Throws FileChangedError (discarding the body) when `exchange` cannot be shown to be of the file `first` described. */
export function checkSameFile(first: Validators, exchange: Exchange): void {
  const problem = difference(first, validatorsOf(exchange.response.headers));
  if (problem === undefined) return;
  discardBody(exchange);
  throw new FileChangedError(problem, { url: exchange.url, range: exchange.range });
}

function difference(first: Validators, now: Validators): string | undefined {
  if (first.etag !== undefined && now.etag !== undefined) {
    return strip(first.etag) === strip(now.etag) ? undefined : `ETag changed from ${first.etag} to ${now.etag} since the file was opened`;
  }
  if (first.etag === undefined && first.lastModified === undefined) return undefined;
  if (first.lastModified !== undefined && now.lastModified !== undefined) {
    return sameDate(first.lastModified, now.lastModified)
      ? undefined
      : `Last-Modified changed from ${first.lastModified} to ${now.lastModified} since the file was opened`;
  }
  const had = [first.etag === undefined ? "" : `ETag ${first.etag}`, first.lastModified === undefined ? "" : `Last-Modified ${first.lastModified}`]
    .filter(Boolean)
    .join(" and ");
  const has =
    now.etag === undefined && now.lastModified === undefined
      ? "neither"
      : now.etag === undefined
        ? `only Last-Modified ${now.lastModified}`
        : `only ETag ${now.etag}`;
  return `cannot tell this is the file opened (${had}): this response has ${has}`;
}

// CDNs may weaken an ETag (W/) when they recompress; the tag itself still names the version.
function strip(etag: string): string {
  return etag.trim().replace(/^W\//, "");
}

// One instant written two ways (edges formatting dates differently) is the same time.
function sameDate(a: string, b: string): boolean {
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? a.trim() === b.trim() : x === y;
}
