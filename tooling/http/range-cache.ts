// Byte ranges already fetched (the file's tail, prefetched members), so that the zip reader's many
// small reads cost no request. Touching segments are merged so that a read may straddle two fetches.

export interface ByteRange {
  offset: number;
  length: number;
}

interface Segment {
  offset: number;
  data: Uint8Array;
}

export class RangeCache {
  /** Sorted by offset; never overlapping or touching. */
  #segments: Segment[] = [];

  /** Bytes held in memory. */
  get bytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.data.byteLength, 0);
  }

  /** A copy of the bytes, when one segment holds them all. */
  get(offset: number, length: number): Uint8Array | undefined {
    const segment = this.#segments.find((s) => s.offset <= offset && offset + length <= s.offset + s.data.byteLength);
    return segment?.data.slice(offset - segment.offset, offset - segment.offset + length);
  }

  put(offset: number, data: Uint8Array): void {
    const end = offset + data.byteLength;
    const touching = this.#segments.filter((s) => s.offset <= end && offset <= s.offset + s.data.byteLength);
    const others = this.#segments.filter((s) => !touching.includes(s));
    const start = Math.min(offset, ...touching.map((s) => s.offset));
    const stop = Math.max(end, ...touching.map((s) => s.offset + s.data.byteLength));
    const merged = new Uint8Array(stop - start);
    for (const s of touching) merged.set(s.data, s.offset - start);
    merged.set(data, offset - start);
    this.#segments = [...others, { offset: start, data: merged }].sort((a, b) => a.offset - b.offset);
  }

  /** The parts of `range` not yet held. */
  missing(range: ByteRange): ByteRange[] {
    const gaps: ByteRange[] = [];
    let cursor = range.offset;
    const end = range.offset + range.length;
    for (const s of this.#segments) {
      const segmentEnd = s.offset + s.data.byteLength;
      if (segmentEnd <= cursor) continue;
      if (s.offset >= end) break;
      if (s.offset > cursor) gaps.push({ offset: cursor, length: s.offset - cursor });
      cursor = Math.max(cursor, segmentEnd);
    }
    if (cursor < end) gaps.push({ offset: cursor, length: end - cursor });
    return gaps;
  }

  clear(): void {
    this.#segments = [];
  }
}

/**
 * Merges ranges so that nearby zip members come in one request: first those whose gap is at most `gap`
 * bytes, then neighbouring groups whose gap holds no more bytes than the two groups want, since a request
 * saved is worth at most as many unwanted bytes as it carries wanted ones. A merged range never grows
 * beyond `maxLength`.
 */
export function coalesce(ranges: ByteRange[], gap: number, maxLength: number): ByteRange[] {
  const merge = (input: ByteRange[], worthIt: (gapBytes: number, a: ByteRange, b: ByteRange) => boolean): ByteRange[] => {
    const merged: ByteRange[] = [];
    for (const range of input) {
      const last = merged.at(-1);
      const lastEnd = last ? last.offset + last.length : 0;
      const end = Math.max(lastEnd, range.offset + range.length);
      if (last && worthIt(range.offset - lastEnd, last, range) && end - last.offset <= maxLength) last.length = end - last.offset;
      else merged.push({ ...range });
    }
    return merged;
  };
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const near = merge(sorted, (gapBytes) => gapBytes <= gap);
  return merge(near, (gapBytes, a, b) => gapBytes <= a.length + b.length);
}
