// Reading opcode arguments: decimal memo keys and newline-terminated text lines, without allocating, and the
// checks that an argument lies within the input and within its FRAME.
import type { PickleScanError } from "./errors.ts";
import type { PickleMachine } from "./machine.ts";
import { lineEnd } from "./read.ts";

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

/**
 * A read of `wanted` bytes at `pos` does not fit before the frame's end. At the exact end of a
 * frame reading goes on in the input, as every CPython loader does; a read that starts inside a
 * frame and leaves it, or runs past the input, fails. Returns the new read limit.
 */
export function refill(m: PickleMachine, pos: number, wanted: number, declared = false): number {
  if (pos + wanted > m.inputLength) throw truncated(m, wanted, declared);
  if (pos < m.frameEnd) throw crossesFrame(m);
  return (m.frameEnd = m.inputLength);
}

export function truncated(m: PickleMachine, wanted: number, declared: boolean): PickleScanError {
  const what = declared ? `declares ${wanted} bytes of data` : `needs a ${wanted}-byte argument`;
  return m.error("truncated", `${what}, beyond the end of the input`);
}

function crossesFrame(m: PickleMachine): PickleScanError {
  return m.error("invalid-argument", `argument crosses the end of its FRAME (at byte ${m.frameEnd})`);
}

/**
 * End (newline index) of the text argument starting at `from`; `minLength` excludes the newline.
 * May move `m.frameEnd` on (see refill): callers re-read it.
 */
export function line(bytes: Uint8Array, from: number, m: PickleMachine, minLength: number): number {
  const eol = lineEnd(bytes, from);
  if (eol < 0) throw m.error("truncated", "text argument has no newline before the end of the input");
  if (eol >= m.frameEnd) refill(m, from, eol + 1 - from);
  if (eol - from < minLength) throw m.error("invalid-argument", "empty text argument (pickle data was truncated)");
  return eol;
}
