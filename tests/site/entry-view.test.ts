import { describe, expect, it } from "vitest";
import { platformStatuses, sortedTags, statusClass, variantLabels } from "../../src/site/entry-view.ts";

describe("variantLabels", () => {
  const base = "aifs-single-mse-1.1_w_";
  it("drops the prefix the whole family shares", () => {
    const labels = variantLabels(`${base}flash_attn`, [`${base}flash_attn_aarch64`, `${base}sdpa`]);
    expect([...labels]).toEqual([
      [`${base}flash_attn_aarch64`, "…flash_attn_aarch64"],
      [`${base}sdpa`, "…sdpa"],
    ]);
  });
  it("never leaves a label empty when one id prefixes another", () => {
    const labels = variantLabels("model_flash", ["model_flash_aarch64"]);
    expect(labels.get("model_flash_aarch64")).toBe("…flash_aarch64");
  });
  it("cuts only after a separator", () => {
    expect(variantLabels("model-float", ["model-flash"]).get("model-flash")).toBe("…flash");
  });
  it("keeps the full id when the shared prefix is too short to mean anything", () => {
    expect(variantLabels("a-x", ["a-y"]).get("a-y")).toBe("a-y");
    expect(variantLabels("alpha", ["beta"]).get("beta")).toBe("beta");
  });
});

describe("platformStatuses and tags", () => {
  it("lists platforms in code-point order, empty when absent", () => {
    expect(platformStatuses(undefined)).toEqual([]);
    expect(platformStatuses({ "macos-arm64-mps": { status: "incompatible" }, "linux-x86_64-cuda": { status: "compatible" } })).toEqual([
      { platform: "linux-x86_64-cuda", status: "compatible" },
      { platform: "macos-arm64-mps", status: "incompatible" },
    ]);
  });
  it("sorts tags by key", () => {
    expect(sortedTags({ status: "demo", beta: null })).toEqual([["beta", null], ["status", "demo"]]);
    expect(sortedTags(undefined)).toEqual([]);
  });
  it("maps unexpected words to the neutral status class", () => {
    expect(statusClass("compatible")).toBe("compatible");
    expect(statusClass("weird value")).toBe("unknown");
  });
});
