// Lone surrogates: "\ud800" escapes are valid JSON but decode to text with no UTF-8 form. The JSON reader (entry
// files, request bodies, stores) refuses them with the field and the place; the contract refuses them in an entry
// however it was made (a checkpoint's metadata read into an entry never passed through the JSON reader).
import { describe, expect, it } from "vitest";
import { parseEntry } from "../../src/contract/index.ts";
import { JsonTextError, parseJsonDocument } from "../../src/files/json-document.ts";
import { illFormedString, loneSurrogate } from "../../src/text/control.ts";
import { realEntries } from "../support/signing.ts";

const refusal = (text: string) => {
  try {
    parseJsonDocument(text);
  } catch (error) {
    if (error instanceof JsonTextError) return { message: error.message, path: error.path, at: `${error.line}:${error.column}` };
    throw error;
  }
  return undefined;
};

describe("the JSON reader", () => {
  it("names the field and the place of a lone surrogate, in values and keys, at any depth", () => {
    expect(refusal('{"display": {"name": "a\\ud800b"}}')).toEqual({
      message: "display.name: the text holds a lone surrogate (\\ud800): text must be well-formed Unicode",
      path: "display.name",
      at: "1:22",
    });
    expect(refusal('{"a": [1, "ok", "\\udfff"]}')?.path).toBe("a[2]");
    expect(refusal('{"tags": {"\\udc00x": "y"}}')).toMatchObject({
      message: "tags: a key holds a lone surrogate (\\udc00): text must be well-formed Unicode",
      path: "tags",
    });
    expect(refusal('{"odd key": {"k": "\\ud83d"}}')?.path).toBe('["odd key"].k');
  });

  it("accepts surrogate pairs, whether escaped or written as they are", () => {
    expect(parseJsonDocument('{"a": "\\ud83d\\ude00", "b": "😀"}')).toEqual({ a: "😀", b: "😀" });
  });

  it("refuses text that is itself not well-formed (a caller's string, not decoded UTF-8)", () => {
    expect(refusal('{"a": "\ud800"}')?.path).toBe("a");
  });
});

describe("the contract", () => {
  it("refuses an entry holding a lone surrogate however it was built, naming the field; a clean one passes", () => {
    const entry = structuredClone(realEntries()["aifs-global-o48"]);
    expect(parseEntry(entry).ok).toBe(true);
    entry.display.description = "made from metadata \ud800";
    const parsed = parseEntry(entry);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toEqual([
      {
        path: "display.description",
        message: "text holds a lone surrogate (\\ud800): text must be well-formed Unicode",
        expected: "well-formed Unicode (surrogates only in pairs)",
        found: '"made from metadata \\ud800"',
      },
    ]);
  });
});

describe("the helpers", () => {
  it("find the first lone surrogate of a value, with its path", () => {
    expect(loneSurrogate("fine 😀")).toBeUndefined();
    expect(loneSurrogate("x\udc00")).toBe("\\udc00");
    expect(illFormedString({ a: [{ b: "ok" }, { c: "\ud801" }] })).toEqual({ path: ["a", 1, "c"], surrogate: "\\ud801", inKey: false });
    expect(illFormedString({ "\ud801": 1 })).toEqual({ path: ["\ud801"], surrogate: "\\ud801", inKey: true });
    expect(illFormedString([1, null, true, "x"])).toBeUndefined();
  });
});
