import { describe, expect, it } from "vitest";
import { closestName, editDistance } from "../../src/contract/did-you-mean.ts";

describe("did you mean", () => {
  it("counts an adjacent swap as one edit", () => {
    expect(editDistance("sha265", "sha256")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("prefers a match ignoring case and separators, then the nearest within a third of the name", () => {
    expect(closestName("size_bytes", ["sizeBytes", "sha256"])).toBe("sizeBytes");
    expect(closestName("timeStep", ["timestep", "task"])).toBe("timestep");
    expect(closestName("urll", ["url", "etag"])).toBe("url");
    expect(closestName("xyzzy", ["url", "etag"])).toBeUndefined();
    expect(closestName("ab", ["cd"])).toBeUndefined();
  });
});
