// Code-point order: the same on every machine and in every locale (localeCompare is not), and, unlike
// JavaScript's `<` on strings (UTF-16 units), right for characters beyond the Basic Multilingual Plane.

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

/** Compares two strings by Unicode code point. */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate starts a code point above 0xFFFF, which sorts after BMP characters 0xE000-0xFFFF too,
    // although its UTF-16 unit is smaller than theirs.
    if (isSurrogate(x) && !isSurrogate(y) && y >= 0xe000) return 1;
    if (isSurrogate(y) && !isSurrogate(x) && x >= 0xe000) return -1;
    return x - y;
  }
  return a.length - b.length;
}
