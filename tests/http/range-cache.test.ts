import { describe, expect, it } from "vitest";
import { RangeCache, coalesce } from "../../tooling/http/range-cache.ts";

const bytes = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) % 251);

describe("RangeCache", () => {
  it("serves reads inside one segment, merging segments that touch or overlap", () => {
    const cache = new RangeCache();
    cache.put(100, bytes(100, 50));
    cache.put(200, bytes(200, 50));
    expect(cache.get(110, 20)).toEqual(bytes(110, 20));
    expect(cache.get(140, 70)).toBeUndefined();
    cache.put(150, bytes(150, 50)); // fills the hole exactly
    expect(cache.get(100, 150)).toEqual(bytes(100, 150));
    cache.put(90, bytes(90, 20)); // overlaps the start
    expect(cache.get(90, 160)).toEqual(bytes(90, 160));
    expect(cache.bytes).toBe(160);
  });

  it("returns copies, so callers cannot corrupt it", () => {
    const cache = new RangeCache();
    cache.put(0, bytes(0, 10));
    cache.get(0, 10)?.fill(0);
    expect(cache.get(0, 10)).toEqual(bytes(0, 10));
  });

  it("lists the parts of a range it does not hold", () => {
    const cache = new RangeCache();
    cache.put(100, bytes(100, 50));
    cache.put(300, bytes(300, 50));
    expect(cache.missing({ offset: 0, length: 400 })).toEqual([
      { offset: 0, length: 100 },
      { offset: 150, length: 150 },
      { offset: 350, length: 50 },
    ]);
    expect(cache.missing({ offset: 110, length: 20 })).toEqual([]);
    expect(cache.missing({ offset: 140, length: 170 })).toEqual([{ offset: 150, length: 150 }]);
  });
});

describe("coalesce", () => {
  it("merges ranges closer than the gap, or worth a request, in any order, overlapping or not", () => {
    const ranges = [
      { offset: 5000, length: 10 },
      { offset: 0, length: 100 },
      { offset: 150, length: 10 },
      { offset: 50, length: 20 },
      { offset: 1200, length: 0 },
    ];
    expect(coalesce(ranges, 100, 1e9)).toEqual([
      { offset: 0, length: 160 },
      { offset: 5000, length: 10 },
    ]);
    expect(coalesce(ranges, 0, 1e9)).toEqual([
      { offset: 0, length: 160 },
      { offset: 5000, length: 10 },
    ]);
  });

  it("merges groups further apart only while a request carries no more unwanted bytes than wanted", () => {
    expect(
      coalesce(
        [
          { offset: 0, length: 10 },
          { offset: 100, length: 10 },
        ],
        0,
        1e9,
      ),
    ).toEqual([
      { offset: 0, length: 10 },
      { offset: 100, length: 10 },
    ]);
    expect(
      coalesce(
        [
          { offset: 0, length: 50 },
          { offset: 100, length: 50 },
        ],
        0,
        1e9,
      ),
    ).toEqual([{ offset: 0, length: 150 }]);
    // The closest pair first; then a group is merged with the next only while the whole stays within twice what it wants.
    const spread = [
      { offset: 0, length: 50 },
      { offset: 100, length: 10 },
      { offset: 115, length: 10 },
      { offset: 300, length: 30 },
    ];
    expect(coalesce(spread, 0, 1e9)).toEqual([
      { offset: 0, length: 125 },
      { offset: 300, length: 30 },
    ]);
  });

  it("does not grow a request beyond the cap", () => {
    expect(
      coalesce(
        [
          { offset: 0, length: 60 },
          { offset: 70, length: 60 },
        ],
        100,
        100,
      ),
    ).toEqual([
      { offset: 0, length: 60 },
      { offset: 70, length: 60 },
    ]);
  });
});
