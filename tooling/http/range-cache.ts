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
 * Merges ranges so that nearby zip members come in one request: ranges that overlap or whose gap is at most
 * `gap` bytes, and neighbouring groups as long as a merged request carries no more unwanted bytes than wanted
 * ones, since a request saved is worth at most as many bytes as it carries (so that what is transferred stays
 * within twice what is wanted). The closest neighbours are merged first. A merged range never grows beyond
 * `maxLength`.
 */
export function coalesce(ranges: ByteRange[], gap: number, maxLength: number): ByteRange[] {
  const groups: Array<ByteRange & { wanted: number }> = [];
  for (const range of ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset)) {
    const last = groups.at(-1);
    const lastEnd = last ? last.offset + last.length : 0;
    const end = range.offset + range.length;
    if (last && range.offset <= lastEnd + gap && Math.max(lastEnd, end) - last.offset <= maxLength) {
      last.wanted += Math.max(0, end - Math.max(lastEnd, range.offset));
      last.length = Math.max(lastEnd, end) - last.offset;
    } else groups.push({ ...range, wanted: range.length });
  }
  for (;;) {
    let best: number | undefined;
    for (let i = 0; i + 1 < groups.length; i++) {
      const [a, b] = [groups[i]!, groups[i + 1]!];
      const length = b.offset + b.length - a.offset;
      if (length > maxLength || length > 2 * (a.wanted + b.wanted)) continue;
      if (best === undefined || b.offset - a.offset - a.length < groups[best + 1]!.offset - groups[best]!.offset - groups[best]!.length) best = i;
    }
    if (best === undefined) break;
    const [a, b] = [groups[best]!, groups[best + 1]!];
    groups.splice(best, 2, { offset: a.offset, length: b.offset + b.length - a.offset, wanted: a.wanted + b.wanted });
  }
  return groups.map(({ offset, length }) => ({ offset, length }));
}
