// Turning a str value back into text, only when a STACK_GLOBAL needs it. A str on the simulated
// stack is the offset of the opcode that pushed it, so the argument is re-read from there and
// decoded the way CPython's C unpickler does (torch.load passes encoding="utf-8" for the
// Python 2 string opcodes). Text that CPython would reject decodes to undefined.
import { lineEnd, u32, u64 } from "./read.ts";
import { OP } from "./opcodes.ts";

// ignoreBOM: Python keeps a leading U+FEFF; stripping it would turn "\ufeffos" into "os".
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 as `PyUnicode_DecodeUTF8(..., "strict")`: undefined when invalid. */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** ASCII as `PyUnicode_DecodeASCII(..., "strict")` (INST and PERSID lines). */
export function decodeAsciiStrict(bytes: Uint8Array): string | undefined {
  let text = "";
  for (const c of bytes) {
    if (c > 0x7f) return undefined;
    text += String.fromCharCode(c);
  }
  return text;
}

/** The text of the str pushed by the opcode at `offset` (the walker already checked its bounds). */
export function decodeStrValue(bytes: Uint8Array, offset: number): string | undefined {
  const op = bytes[offset];
  const at = offset + 1;
  switch (op) {
    case OP.SHORT_BINUNICODE:
    case OP.SHORT_BINSTRING:
      return lossyUtf8(bytes.subarray(at + 1, at + 1 + bytes[at]!));
    case OP.BINUNICODE:
    case OP.BINSTRING:
      return lossyUtf8(bytes.subarray(at + 4, at + 4 + u32(bytes, at)));
    case OP.BINUNICODE8:
      return lossyUtf8(bytes.subarray(at + 8, at + 8 + u64(bytes, at)));
    case OP.UNICODE:
      return decodeRawUnicodeEscape(bytes.subarray(at, lineEnd(bytes, at)));
    case OP.STRING: {
      const escaped = decodeEscapes(bytes.subarray(at + 1, lineEnd(bytes, at) - 1));
      return escaped === undefined ? undefined : lossyUtf8(escaped);
    }
    default:
      return undefined;
  }
}

/**
 * BINUNICODE is decoded with "surrogatepass", which TextDecoder lacks; a name holding a lone
 * surrogate cannot name an importable module, so replacing it (U+FFFD) changes no verdict.
 */
function lossyUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/** `raw_unicode_escape` (UNICODE): only \uXXXX and \UXXXXXXXX are escapes; other bytes are Latin-1. */
export function decodeRawUnicodeEscape(bytes: Uint8Array): string | undefined {
  let text = "";
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i++]!;
    const next = bytes[i];
    if (c !== 0x5c || (next !== 0x75 && next !== 0x55)) {
      text += String.fromCharCode(c);
      if (c === 0x5c && next !== undefined) text += String.fromCharCode(bytes[i++]!);
      continue;
    }
    let count = next === 0x75 ? 4 : 8;
    let code = 0;
    for (i++; count > 0; count--, i++) {
      const digit = i < bytes.length ? hexValue(bytes[i]!) : -1;
      if (digit < 0) return undefined;
      code = code * 16 + digit;
    }
    if (code > 0x10ffff) return undefined;
    text += String.fromCodePoint(code);
  }
  return text;
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c,
  0x27: 0x27,
  0x22: 0x22,
  0x62: 0x08,
  0x66: 0x0c,
  0x74: 0x09,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x76: 0x0b,
  0x61: 0x07,
};

/** `PyBytes_DecodeEscape` (STRING): Python's bytes-literal escapes; unknown ones stay as written. */
export function decodeEscapes(bytes: Uint8Array): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i++]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (i >= bytes.length) return undefined; // "Trailing \ in string"
    const e = bytes[i++]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) out.push(simple);
    else if (e === 0x0a)
      continue; // backslash-newline: a line continuation
    else if (e >= 0x30 && e <= 0x37) {
      let value = e - 0x30;
      for (let n = 0; n < 2 && i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x37; n++) value = value * 8 + bytes[i++]! - 0x30;
      out.push(value & 0xff);
    } else if (e === 0x78) {
      const high = i < bytes.length ? hexValue(bytes[i]!) : -1;
      const low = i + 1 < bytes.length ? hexValue(bytes[i + 1]!) : -1;
      if (high < 0 || low < 0) return undefined; // "invalid \x escape"
      out.push(high * 16 + low);
      i += 2;
    } else out.push(0x5c, e);
  }
  return Uint8Array.from(out);
}
