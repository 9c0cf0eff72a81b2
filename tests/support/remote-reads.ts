// What an extraction over HTTP costs against what it needs: requests, round trips (requests made side by side
// count once) and bytes transferred, against the bytes the zip reader consumed (the end records, the
// directory, each member read with its local header). Used by the tests of exact remote reads and by
// bench/remote-bytes.ts.
import { extractCheckpoint, type Extraction } from "../../tooling/anemoi/extract.ts";
import { openHttpSource, type HttpSourceOptions } from "../../tooling/http/range-source.ts";
import { serveFile } from "./http-servers.ts";

export interface RemoteReading {
  fileBytes: number;
  requests: number;
  /** Rounds of requests: a prefetch's side-by-side requests count once. */
  roundTrips: number;
  transferred: number;
  needed: number;
  extraction: Extraction;
}

/** Union length of [start, stop) ranges. */
function unionLength(ranges: ReadonlyArray<readonly [number, number]>): number {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [start, stop] of sorted) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}

/**
 * Extracts the checkpoint at `path` from a Range server on 127.0.0.1. Needed bytes are every range the reader
 * read, except the end-record search window, of which only the 22-byte record counts.
 */
export async function readRemotely(path: string, options: HttpSourceOptions = {}): Promise<RemoteReading> {
  const server = await serveFile({ path });
  try {
    const source = await openHttpSource(server.fileUrl, { allowPrivateNetwork: true, ...options });
    let roundTrips = server.stats.requests;
    const counted =
      <A extends unknown[], R>(step: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const before = server.stats.requests;
        const result = await step(...args);
        if (server.stats.requests > before) roundTrips++;
        return result;
      };
    const reads: Array<[number, number]> = [];
    const read = counted(source.read.bind(source));
    let first = true;
    source.read = (offset: number, length: number) => {
      reads.push(first ? [offset + length - 22, offset + length] : [offset, offset + length]);
      first = false;
      return read(offset, length);
    };
    source.prefetch = counted(source.prefetch.bind(source));
    const extraction = await extractCheckpoint(source);
    await source.close();
    return { fileBytes: source.size, requests: server.stats.requests, roundTrips, transferred: server.stats.bytesSent, needed: unionLength(reads), extraction };
  } finally {
    await server.close();
  }
}
