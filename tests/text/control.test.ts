import { describe, expect, it } from "vitest";
import { capText, escapeControl, strangerText } from "../../src/text/control.ts";

describe("escapeControl", () => {
  it("escapes terminal escapes, carriage returns, bells, DEL and C1 controls, keeping newlines and tabs", () => {
    expect(escapeControl("red \x1b[31mX\x1b[0m\rover\x07\x7f\x9b\n\tok")).toBe("red \\x1b[31mX\\x1b[0m\\x0dover\\x07\\x7f\\x9b\n\tok");
  });
  it("escapes lone surrogates but keeps pairs", () => {
    expect(escapeControl("a\ud800b\udc00c\ud83d\ude00")).toBe("a\\ud800b\\udc00c\ud83d\ude00");
  });
  it("leaves ordinary text unchanged", () => {
    expect(escapeControl("ModuleNotFoundError: No module named 'aifs' — ü")).toBe("ModuleNotFoundError: No module named 'aifs' — ü");
  });
});

describe("capText", () => {
  it("keeps short text and marks a cut", () => {
    expect(capText("abc", 3)).toBe("abc");
    expect(capText("abcdef", 4)).toBe("abc…");
  });
  it("never splits a surrogate pair", () => {
    const cut = capText("ab\ud83d\ude00cd", 4);
    expect(cut).toBe("ab…");
  });
  it("strangerText counts the escapes against the cap", () => {
    expect(strangerText("\x1b".repeat(10), 9).length).toBeLessThanOrEqual(9);
  });
});
