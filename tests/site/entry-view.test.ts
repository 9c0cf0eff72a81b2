import { describe, expect, it } from "vitest";
import { platformStatuses, sortedTags, statusClass } from "../../src/site/entry-view.ts";

describe("platformStatuses and tags", () => {
  it("lists platforms in code-point order, empty when absent", () => {
    expect(platformStatuses(undefined)).toEqual([]);
    expect(platformStatuses({ "macos-arm64-mps": { status: "incompatible" }, "linux-x86_64-cuda": { status: "compatible" } })).toEqual([
      { platform: "linux-x86_64-cuda", status: "compatible" },
      { platform: "macos-arm64-mps", status: "incompatible" },
    ]);
  });
  it("sorts tags by key", () => {
    expect(sortedTags({ status: "demo", beta: null })).toEqual([
      ["beta", null],
      ["status", "demo"],
    ]);
    expect(sortedTags(undefined)).toEqual([]);
  });
  it("maps unexpected words to the neutral status class", () => {
    expect(statusClass("compatible")).toBe("compatible");
    expect(statusClass("weird value")).toBe("unknown");
  });
});
