import { describe, expect, it } from "vitest";
import { compactCount, firstSentence, groupDigits, humanBytes, humanMib, pipInstallLine, prettyJson, shellQuote, tagText } from "../../src/site/format.ts";

describe("humanBytes", () => {
  it("uses IEC units with three significant digits", () => {
    expect(humanBytes(0)).toBe("0 B");
    expect(humanBytes(1023)).toBe("1023 B");
    expect(humanBytes(1024)).toBe("1.00 KiB");
    expect(humanBytes(188732703)).toBe("180 MiB");
    expect(humanBytes(1449403913)).toBe("1.35 GiB");
    expect(humanBytes(1891893167)).toBe("1.76 GiB");
    expect(humanBytes(15 * 1024 ** 3)).toBe("15.0 GiB");
  });
  it("moves to the next unit when rounding reaches 1024", () => {
    expect(humanBytes(1024 * 1024 - 1)).toBe("1.00 MiB");
  });
  it("says unknown for values that are not a size", () => {
    expect(humanBytes(-1)).toBe("unknown");
    expect(humanBytes(Number.NaN)).toBe("unknown");
  });
});

describe("numbers", () => {
  it("groups digits without the locale", () => {
    expect(groupDigits(188732703)).toBe("188,732,703");
    expect(groupDigits(999)).toBe("999");
    expect(groupDigits(-1234567)).toBe("-1,234,567");
    expect(groupDigits(1234.5)).toBe("1,234.5");
  });
  it("formats MiB amounts", () => {
    expect(humanMib(16384)).toBe("16.0 GiB (16,384 MiB)");
  });
  it("shortens large counts", () => {
    expect(compactCount(253_123_456)).toBe("253M");
    expect(compactCount(1_500_000_000)).toBe("1.5B");
    expect(compactCount(12_000)).toBe("12k");
    expect(compactCount(950)).toBe("950");
  });
});

describe("shell quoting", () => {
  it("single-quotes every word", () => {
    expect(shellQuote("torch")).toBe("'torch'");
    expect(shellQuote("anemoi-plugins-ecmwf-inference[regrid]>=0.3.0")).toBe("'anemoi-plugins-ecmwf-inference[regrid]>=0.3.0'");
  });
  it("escapes single quotes the POSIX way", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
  it("builds the pip line from the real o48 constraints", () => {
    expect(pipInstallLine(["anemoi-models==0.5.0", "anemoi-inference", "torch==2.6.0", "torch_geometric==2.4.0"])).toBe(
      "pip install 'anemoi-models==0.5.0' 'anemoi-inference' 'torch==2.6.0' 'torch_geometric==2.4.0'",
    );
  });
  it("keeps URLs with & and ? literal", () => {
    expect(pipInstallLine(["https://h/x.whl?a=1&b=2"])).toBe("pip install 'https://h/x.whl?a=1&b=2'");
  });
});

describe("small helpers", () => {
  it("shows tags with and without values", () => {
    expect(tagText("status", "operational")).toBe("status: operational");
    expect(tagText("beta", null)).toBe("beta");
  });
  it("pretty-prints JSON in the given key order", () => {
    expect(prettyJson({ b: 1, a: [2] })).toBe('{\n  "b": 1,\n  "a": [\n    2\n  ]\n}');
    expect(prettyJson(undefined)).toBe("null");
  });
});

describe("card descriptions", () => {
  it("keep the first sentence, cut at a word past 240 characters", () => {
    expect(firstSentence("AIFS Single v1.1, ECMWF's model: one forecast in 6-hour steps (about 31 km). This build uses flash-attention 2.")).toBe(
      "AIFS Single v1.1, ECMWF's model: one forecast in 6-hour steps (about 31 km).",
    );
    expect(firstSentence("A model at 2.5 km. over the Nordics")).toBe("A model at 2.5 km. over the Nordics");
    const long = `${"word ".repeat(80)}end.`;
    expect(firstSentence(long).length).toBeLessThanOrEqual(241);
    expect(firstSentence(long).endsWith("…")).toBe(true);
  });
});
