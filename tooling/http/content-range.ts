// Checking a 206 against the range asked for: a CDN that serves the wrong bytes would otherwise
// hand the zip reader garbage that fails far from the cause.
import { FileChangedError, RangeMismatchError } from "./errors.ts";
import { contentLength, discardBody } from "./body.ts";
import type { Exchange } from "./request.ts";

/** Inclusive byte span, as in Content-Range. */
export interface Span {
  start: number;
  end: number;
  total: number;
}

/** `bytes=start-end`, `bytes=from-` (to the end: resuming a download) or the suffix `bytes=-suffix`. */
export type Wanted = { start: number; end: number } | { from: number } | { suffix: number };

export function rangeHeader(wanted: Wanted): string {
  if ("suffix" in wanted) return `bytes=-${wanted.suffix}`;
  return "from" in wanted ? `bytes=${wanted.from}-` : `bytes=${wanted.start}-${wanted.end}`;
}

/** "bytes a-b/total" or "bytes a-b/*"; undefined when malformed. */
export function parseContentRange(value: string | null): { start: number; end: number; total: number | undefined } | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? "");
  if (!match) return undefined;
  const [start, end] = [Number(match[1]), Number(match[2])];
  const total = match[3] === "*" ? undefined : Number(match[3]);
  if (end < start || (total !== undefined && end >= total)) return undefined;
  return { start, end, total };
}

/** The total of an unsatisfiable range answer, "bytes *\/total" (a 416 for an empty file). */
export function parseUnsatisfiedRange(value: string | null): number | undefined {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * Validates a 206's headers before its body is read. `knownTotal` is the size learnt when opening; a
 * different total means the file was replaced between requests. Discards the body when throwing.
 */
export function checkPartialResponse(exchange: Exchange, wanted: Wanted, knownTotal?: number): Span {
  try {
    return check(exchange, wanted, knownTotal);
  } catch (error) {
    discardBody(exchange);
    throw error;
  }
}

function check(exchange: Exchange, wanted: Wanted, knownTotal: number | undefined): Span {
  const { url, range, response } = exchange;
  const header = response.headers.get("content-range");
  const got = parseContentRange(header);
  const mismatch = (problem: string) => new RangeMismatchError(problem, { url, range, status: 206 });
  if (header === null) throw mismatch("206 without a Content-Range header");
  if (got === undefined) throw mismatch(`malformed Content-Range "${header}"`);
  const total = got.total ?? knownTotal;
  if (total === undefined) throw mismatch(`Content-Range "${header}" does not give the file's size`);
  if (knownTotal !== undefined && total !== knownTotal) {
    throw new FileChangedError(`file size changed from ${knownTotal} to ${total} bytes since it was opened (Content-Range "${header}")`, { url, range });
  }

  // The server may end early only where the file ends.
  const start = "suffix" in wanted ? Math.max(0, total - wanted.suffix) : "from" in wanted ? wanted.from : wanted.start;
  const end = "start" in wanted ? Math.min(wanted.end, total - 1) : total - 1;
  if (got.start !== start || got.end !== end) {
    throw mismatch(`server sent Content-Range "${header}", expected bytes ${start}-${end}/${total}`);
  }
  const length = contentLength(response.headers);
  if (length !== undefined && length !== end - start + 1) {
    throw mismatch(`Content-Length ${length} does not match Content-Range "${header}" (${end - start + 1} bytes)`);
  }
  return { start, end, total };
}
