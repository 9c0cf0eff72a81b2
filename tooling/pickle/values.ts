// What the scan knows about each value on the simulated stack, as one number (so that nothing is allocated
// per opcode): its kind, and where it matters its identity or contents. Enough to check a call's arguments,
// a BUILD's state and a container's type against the reviewed rules (usage.ts) without running anything. Every
// value is a 32-bit integer, which V8 keeps unboxed (a larger one would be a heap number per call and tuple):
//
//   >= 0                a str or bytes literal: the offset of the opcode that made it (re-read when needed)
//   -1 .. -31           kinds without identity: OPAQUE (unknowable), INT, TRUE, FALSE, FLOAT, NONE, ...
//   GLOBAL_TAG - k      the k-th distinct global (globals-found.ts), k < 2**24
//   RESULT_TAG - k      what a call of the k-th global returned
//   SMALL_INT_TAG - n   the int n - SMALL_INT_BIAS, for |int| <= SMALL_INT_BIAS
//   DICT_TAG - d        the d-th dict, whose keys so far are all attribute names or not, d < 2**24
//   TUPLE_TAG - t       the t-th tuple, whose items are kept while it is recent (a ring of tuples), t < 2**28
//   ENCODED_TAG - o     _codecs.encode(<str at offset o>, "latin1"): how protocol 2 spells bytes, o < 2**30
import { u32, u64 } from "./read.ts";
import { OP } from "./opcodes.ts";
import { decodeStrValue } from "./strings.ts";

/** Anything the scan cannot know (a computed call's result, a buffer). Might be a str. */
export const OPAQUE = -1;
/** An int too large to keep (LONG opcodes, or beyond SMALL_INT_BIAS). */
export const INT = -2;
export const TRUE = -3;
export const FALSE = -4;
export const FLOAT = -5;
export const NONE = -6;
/** Bytes whose content is not kept (BYTEARRAY8 makes BYTEARRAY). */
export const BYTES = -7;
export const BYTEARRAY = -8;
export const LIST = -9;
export const SET = -10;
export const FROZENSET = -11;
/** What persistent_load returned: in a torch checkpoint, a storage. */
export const STORAGE = -12;
/** A dict beyond the tracked count: its keys are not known to be attribute names. */
export const DICT_UNTRACKED = -13;
/** Certainly no str, nothing else known (a read-only buffer). */
export const OBJECT = -14;
/** A tuple beyond the tuples the scan can number: its items are unknown. */
export const TUPLE_UNKNOWN = -15;
/** The empty tuple (pickles make many: every call without arguments), kept out of the ring. */
export const EMPTY_TUPLE = -16;

export const GLOBAL_TAG = -32;
/** Distinct globals a pickle may name (walk.ts refuses more): the tags below stay 32-bit. */
export const GLOBALS_MAX = 2 ** 24;
export const RESULT_TAG = -(2 ** 25);
export const SMALL_INT_TAG = -(2 ** 26);
export const SMALL_INT_BIAS = 2 ** 20;
export const DICT_TAG = -(2 ** 27);
export const TUPLE_TAG = -(2 ** 28);
const TUPLES_MAX = 2 ** 28;
export const ENCODED_TAG = -(2 ** 30);
const ENCODED_MAX = 2 ** 30;

export const isGlobal = (v: number) => v <= GLOBAL_TAG && v > RESULT_TAG;
export const isResult = (v: number) => v <= RESULT_TAG && v > SMALL_INT_TAG;
export const isSmallInt = (v: number) => v <= SMALL_INT_TAG && v > DICT_TAG;
export const isTrackedDict = (v: number) => v <= DICT_TAG && v > TUPLE_TAG;
export const isTuple = (v: number) => (v <= TUPLE_TAG && v > ENCODED_TAG) || v === TUPLE_UNKNOWN || v === EMPTY_TUPLE;
export const isEncoded = (v: number) => v <= ENCODED_TAG;
export const isDict = (v: number) => isTrackedDict(v) || v === DICT_UNTRACKED;
export const isInt = (v: number) => v === INT || isSmallInt(v);

export const globalIndex = (v: number) => GLOBAL_TAG - v;
export const resultOf = (v: number) => RESULT_TAG - v;
export const smallIntValue = (v: number) => SMALL_INT_TAG - v - SMALL_INT_BIAS;
export const encodedFrom = (v: number) => ENCODED_TAG - v;

/** The value _codecs.encode(<str at offset>, "latin1") gives, when the offset can be kept. */
export const encodedValue = (offset: number) => (offset < ENCODED_MAX ? ENCODED_TAG - offset : BYTES);

export function intValue(n: number): number {
  return Math.abs(n) <= SMALL_INT_BIAS ? SMALL_INT_TAG - (n + SMALL_INT_BIAS) : INT;
}

/** What each opcode that pushes a literal pushes: 1 a str, 2 bytes. */
const LITERAL = new Uint8Array(256);
for (const op of [OP.SHORT_BINUNICODE, OP.BINUNICODE, OP.BINUNICODE8, OP.UNICODE, OP.STRING, OP.SHORT_BINSTRING, OP.BINSTRING]) LITERAL[op] = 1;
for (const op of [OP.SHORT_BINBYTES, OP.BINBYTES, OP.BINBYTES8]) LITERAL[op] = 2;

export const isStrLiteral = (bytes: Uint8Array, v: number) => v >= 0 && LITERAL[bytes[v]!] === 1;
export const isBytesLiteral = (bytes: Uint8Array, v: number) => v >= 0 && LITERAL[bytes[v]!] === 2;

/** The content of the bytes literal made by the opcode at `offset`. */
export function bytesLiteral(bytes: Uint8Array, offset: number): Uint8Array {
  const at = offset + 1;
  switch (bytes[offset]) {
    case OP.SHORT_BINBYTES:
      return bytes.subarray(at + 1, at + 1 + bytes[at]!);
    case OP.BINBYTES:
      return bytes.subarray(at + 4, at + 4 + u32(bytes, at));
    default:
      return bytes.subarray(at + 8, at + 8 + u64(bytes, at));
  }
}

/** The bytes a value holds when the scan knows them: a literal, or the latin-1 encoding of a known str. */
export function knownBytes(bytes: Uint8Array, v: number): Uint8Array | undefined {
  if (isBytesLiteral(bytes, v)) return bytesLiteral(bytes, v);
  if (!isEncoded(v)) return undefined;
  const text = decodeStrValue(bytes, encodedFrom(v));
  if (text === undefined) return undefined;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return undefined; // Python's encode would raise
    out[i] = c;
  }
  return out;
}

/** The value of an INT opcode's text ("I01" is True in protocols 0 and 1), read like CPython. */
export function intLineValue(bytes: Uint8Array, start: number, end: number): number {
  if (end - start === 2 && bytes[start] === 0x30 && (bytes[start + 1] === 0x30 || bytes[start + 1] === 0x31)) return bytes[start + 1] === 0x31 ? TRUE : FALSE;
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative || bytes[i] === 0x2b) i++;
  if (i === end || end - i > 7) return INT;
  let n = 0;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return INT;
    n = n * 10 + (c - 0x30);
  }
  return intValue(negative ? -n : n);
}

/** Longer names (in UTF-8 bytes) are no real attribute's. */
export const ATTRIBUTE_NAME_MAX = 256;
const utf8 = new TextEncoder();

/**
 * A name a state may set into an object: a str of at most 256 bytes of UTF-8 that is no dunder name (what Python
 * and its libraries look up for their own protocols: __setstate__, __class__, __array_interface__...).
 */
export function isAttributeName(text: string): boolean {
  const bytes = utf8.encode(text);
  return isAttributeNameBytes(bytes, 0, bytes.length);
}

const twoUnderscores = (bytes: Uint8Array, at: number) => bytes[at] === 0x5f && bytes[at + 1] === 0x5f;

function isAttributeNameBytes(bytes: Uint8Array, start: number, n: number): boolean {
  return n <= ATTRIBUTE_NAME_MAX && !(n >= 4 && twoUnderscores(bytes, start) && twoUnderscores(bytes, start + n - 2));
}

/** Whether the str literal at `offset` is an attribute name, read from its bytes (no decoding for the binary opcodes). */
export function isAttributeNameAt(bytes: Uint8Array, offset: number): boolean {
  const at = offset + 1;
  switch (bytes[offset]) {
    case OP.SHORT_BINUNICODE:
    case OP.SHORT_BINSTRING:
      return isAttributeNameBytes(bytes, at + 1, bytes[at]!);
    case OP.BINUNICODE:
    case OP.BINSTRING:
      return isAttributeNameBytes(bytes, at + 4, u32(bytes, at));
    case OP.BINUNICODE8:
      return isAttributeNameBytes(bytes, at + 8, u64(bytes, at));
    case OP.UNICODE:
    case OP.STRING: {
      const text = decodeStrValue(bytes, offset);
      return text !== undefined && isAttributeName(text);
    }
    default:
      return false;
  }
}

/** Whether the str literal at `offset` is `text` (`utf8` its encoding), compared as bytes where the opcode holds them. */
export function strLiteralEquals(bytes: Uint8Array, offset: number, text: string, want: Uint8Array): boolean {
  const at = offset + 1;
  let start: number;
  let n: number;
  switch (bytes[offset]) {
    case OP.SHORT_BINUNICODE:
      [start, n] = [at + 1, bytes[at]!];
      break;
    case OP.BINUNICODE:
      [start, n] = [at + 4, u32(bytes, at)];
      break;
    case OP.BINUNICODE8:
      [start, n] = [at + 8, u64(bytes, at)];
      break;
    default:
      return isStrLiteral(bytes, offset) && decodeStrValue(bytes, offset) === text;
  }
  if (n !== want.length) return false;
  for (let i = 0; i < n; i++) if (bytes[start + i] !== want[i]) return false;
  return true;
}

/**
 * Tuples whose items are kept: a ring of the most recent ones, so that memory is bounded (512 KB) whatever the
 * pickle. Real pickles build a call's arguments, a persistent id or a state just before using them.
 */
const TUPLE_SLOTS_MAX = 1 << 12;
/** Items kept per tuple; a longer tuple's items are unknown. */
export const TUPLE_ITEMS_MAX = 16;
const TUPLE_SLOTS_FIRST = 256;
/** Dicts tracked; beyond, a dict's keys are unknown. */
const DICTS_MAX = 1 << 24;
const DICT_NOT_ATTRIBUTES = 1;
/**
 * Dicts whose items are kept, for states typed as a record (allowlist.json): a ring of the most recent ones,
 * as for tuples (64 KB). A record's dict is built just before its BUILD.
 */
const DICT_SLOTS = 1 << 10;
/** Items kept per dict (RECORD_KEYS_MAX of allowlist-schema.ts); a dict given more counts as having more. */
export const DICT_ITEMS_MAX = 4;

export class Values {
  #tuples = 0;
  #slots = TUPLE_SLOTS_FIRST;
  #owner = new Float64Array(TUPLE_SLOTS_FIRST).fill(-1);
  #length = new Int8Array(TUPLE_SLOTS_FIRST);
  #items = new Float64Array(TUPLE_SLOTS_FIRST * TUPLE_ITEMS_MAX);
  #dicts = 0;
  #dictFlags = new Uint8Array(64);
  #dictOwner = new Int32Array(DICT_SLOTS).fill(-1);
  /** Items set so far, at most DICT_ITEMS_MAX + 1 (more than kept). */
  #dictCount = new Uint8Array(DICT_SLOTS);
  /** Key and value of each kept item. */
  #dictItems = new Float64Array(DICT_SLOTS * DICT_ITEMS_MAX * 2);

  /** A new tuple of `count` items read from `source` at `start`. */
  tuple(source: Float64Array, start: number, count: number): number {
    if (count === 0) return EMPTY_TUPLE;
    if (this.#tuples >= TUPLES_MAX) return TUPLE_UNKNOWN;
    const t = this.#tuples++;
    if (t >= this.#slots && this.#slots < TUPLE_SLOTS_MAX) this.#growTuples();
    const slot = this.#slot(t);
    this.#owner[slot] = t;
    this.#length[slot] = count <= TUPLE_ITEMS_MAX ? count : -1;
    if (count <= TUPLE_ITEMS_MAX) for (let i = 0, at = slot * TUPLE_ITEMS_MAX; i < count; i++) this.#items[at + i] = source[start + i]!;
    return TUPLE_TAG - t;
  }

  /** How many items a tuple value has, or -1 when they are no longer (or never were) kept. */
  tupleLength(value: number): number {
    if (value === EMPTY_TUPLE) return 0;
    if (!isTuple(value) || value === TUPLE_UNKNOWN) return -1;
    const t = TUPLE_TAG - value;
    const slot = this.#slot(t);
    return this.#owner[slot] === t ? this.#length[slot]! : -1;
  }

  /** The i-th item of a tuple whose tupleLength is more than i. */
  tupleItem(value: number, i: number): number {
    return this.#items[this.#slot(TUPLE_TAG - value) * TUPLE_ITEMS_MAX + i]!;
  }

  /** The ring slot of the t-th tuple (slots are a power of two). */
  #slot(t: number): number {
    return t & (this.#slots - 1);
  }

  /** A new dict; `attributesOnly` says whether the keys it starts with are all attribute names. */
  dict(attributesOnly: boolean): number {
    if (this.#dicts >= DICTS_MAX) return DICT_UNTRACKED;
    const d = this.#dicts++;
    if (d >= this.#dictFlags.length) {
      const grown = new Uint8Array(Math.min(2 * this.#dictFlags.length, DICTS_MAX));
      grown.set(this.#dictFlags);
      this.#dictFlags = grown;
    }
    this.#dictFlags[d] = attributesOnly ? 0 : DICT_NOT_ATTRIBUTES;
    const slot = d & (DICT_SLOTS - 1);
    this.#dictOwner[slot] = d;
    this.#dictCount[slot] = 0;
    return DICT_TAG - d;
  }

  /** Notes that a key other than an attribute name was set into a tracked dict. */
  keySet(dict: number, attributeName: boolean): void {
    if (!attributeName && isTrackedDict(dict)) this.#dictFlags[DICT_TAG - dict] = DICT_NOT_ATTRIBUTES;
  }

  /** Keeps an item set into a tracked dict (DICT, SETITEM, SETITEMS), while the dict is recent and small. */
  itemSet(dict: number, key: number, value: number): void {
    if (!isTrackedDict(dict)) return;
    const d = DICT_TAG - dict;
    const slot = d & (DICT_SLOTS - 1);
    if (this.#dictOwner[slot] !== d) return;
    const count = this.#dictCount[slot]!;
    if (count > DICT_ITEMS_MAX) return;
    if (count < DICT_ITEMS_MAX) {
      const at = (slot * DICT_ITEMS_MAX + count) * 2;
      this.#dictItems[at] = key;
      this.#dictItems[at + 1] = value;
    }
    this.#dictCount[slot] = count + 1;
  }

  /**
   * How many items were set into a dict value (a key set twice counts twice), or -1 when they are not known:
   * not a tracked dict, no longer recent, or given more than DICT_ITEMS_MAX.
   */
  dictItemCount(value: number): number {
    if (!isTrackedDict(value)) return -1;
    const d = DICT_TAG - value;
    const slot = d & (DICT_SLOTS - 1);
    const count = this.#dictOwner[slot] === d ? this.#dictCount[slot]! : -1;
    return count > DICT_ITEMS_MAX ? -1 : count;
  }

  /** The key of the i-th item of a dict whose dictItemCount is more than i. */
  dictKey(value: number, i: number): number {
    return this.#dictItems[(((DICT_TAG - value) & (DICT_SLOTS - 1)) * DICT_ITEMS_MAX + i) * 2]!;
  }

  /** The value of the i-th item of a dict whose dictItemCount is more than i. */
  dictValue(value: number, i: number): number {
    return this.#dictItems[(((DICT_TAG - value) & (DICT_SLOTS - 1)) * DICT_ITEMS_MAX + i) * 2 + 1]!;
  }

  /** Whether every key set into the dict so far is an attribute name. */
  hasAttributeKeysOnly(dict: number): boolean {
    return isTrackedDict(dict) && (this.#dictFlags[DICT_TAG - dict]! & DICT_NOT_ATTRIBUTES) === 0;
  }

  #growTuples(): void {
    const slots = Math.min(2 * this.#slots, TUPLE_SLOTS_MAX);
    const owner = new Float64Array(slots).fill(-1);
    owner.set(this.#owner);
    const length = new Int8Array(slots);
    length.set(this.#length);
    const items = new Float64Array(slots * TUPLE_ITEMS_MAX);
    items.set(this.#items);
    [this.#slots, this.#owner, this.#length, this.#items] = [slots, owner, length, items];
  }
}
