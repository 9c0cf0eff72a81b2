// Reading opcode arguments: little-endian integers and newline-terminated text lines, without
// allocating. Callers check that the bytes exist first.

export function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

export function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000;
}

export function i32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/** Exact below 2**53; above that only ever compared with remaining input, which it exceeds anyway. */
export function u64(bytes: Uint8Array, at: number): number {
  return u32(bytes, at) + u32(bytes, at + 4) * 0x1_0000_0000;
}

/** Index of the newline that ends the line starting at `from`, or -1 when the input has none. */
export function lineEnd(bytes: Uint8Array, from: number): number {
  return bytes.indexOf(0x0a, from);
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * A memo key written as text (PUT, GET), parsed like CPython's `PyLong_FromString(s, NULL, 10)`:
 * surrounding whitespace, a sign, digits with single underscores between them. The C unpickler
 * passes a NUL-terminated copy of the line, so parsing stops at the first NUL byte. Returns
 * undefined for text CPython rejects, and for values beyond 2**53 (which CPython cannot use as
 * memo indices either: it would need a memo array that large).
 */
export function parseDecimalKey(bytes: Uint8Array, start: number, end: number): number | undefined {
  const nul = bytes.subarray(start, end).indexOf(0);
  if (nul >= 0) end = start + nul;
  let i = start;
  while (i < end && isSpace(bytes[i]!)) i++;
  let sign = 1;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) sign = bytes[i++] === 0x2d ? -1 : 1;
  if (i >= end || !isDigit(bytes[i]!)) return undefined;
  let value = 0;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (isDigit(c)) value = value * 10 + (c - 0x30);
    else if (c === 0x5f && i + 1 < end && isDigit(bytes[i + 1]!)) continue;
    else break;
  }
  while (i < end && isSpace(bytes[i]!)) i++;
  if (i !== end || value > Number.MAX_SAFE_INTEGER) return undefined;
  return sign * value;
}
