import { describe, expect, it } from "vitest";
import { byCodePoint } from "../../src/text/code-point-order.ts";

const codePoints = (s: string) => [...s].map((c) => c.codePointAt(0)!);

/** The reference: compare the code point sequences one by one. */
function reference(a: string, b: string): number {
  const x = codePoints(a);
  const y = codePoints(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe("byCodePoint", () => {
  it("orders ASCII ids as the registry lists them", () => {
    expect(["b", "B", "a", "10u", "2t", "a-b", "a_b", "a.b"].sort(byCodePoint)).toEqual(["10u", "2t", "B", "a", "a-b", "a.b", "a_b", "b"]);
  });

  it("puts characters beyond the BMP after U+E000-U+FFFF, where UTF-16 order does not", () => {
    const astral = "\u{1F600}"; // a surrogate pair
    const privateUse = "\uE000";
    expect(astral < privateUse).toBe(true); // what `<` and the default sort do
    expect(byCodePoint(astral, privateUse)).toBeGreaterThan(0);
    expect(byCodePoint(privateUse, astral)).toBeLessThan(0);
    expect(byCodePoint("a", "a")).toBe(0);
    expect(byCodePoint("a", "ab")).toBeLessThan(0);
  });

  it("agrees in sign with a code-point-by-code-point comparison on mixed strings", () => {
    const alphabet = ["a", "Z", "0", "\u00e9", "\uD7FF", "\uE000", "\uFFFD", "\u{10000}", "\u{1F600}", "\u{10FFFF}"];
    let seed = 7;
    const pick = () => alphabet[(seed = (seed * 1103515245 + 12345) % 2147483648) % alphabet.length]!;
    for (let n = 0; n < 2000; n++) {
      const a = Array.from({ length: 1 + (n % 4) }, pick).join("");
      const b = Array.from({ length: 1 + ((n >> 2) % 4) }, pick).join("");
      expect(Math.sign(byCodePoint(a, b))).toBe(Math.sign(reference(a, b)));
    }
  });
});
