// The opcode walker: runs a pickle's opcodes on the simulated stack and memo until the first STOP,
// in one pass and without recursion, importing and calling nothing. Checks and their order follow
// CPython's C unpickler (Modules/_pickle.c), which is what torch.load uses, so that any pickle it
// would load walks to the same STOP and names the same globals. Values are not validated beyond
// what naming a global needs (a malformed INT passes here and fails in Python, never the reverse).
import { i32, lineEnd, parseDecimalKey, u16, u32, u64 } from "./args.ts";
import { PickleScanError } from "./errors.ts";
import { GlobalsFound } from "./globals-found.ts";
import { NOT_STR, OPAQUE, PickleMachine, type MachineLimits } from "./machine.ts";
import { OP } from "./opcodes.ts";
import { decodeAsciiStrict, decodeStrValue, decodeUtf8Strict } from "./strings.ts";
import { DYNAMIC } from "./verdict.ts";

export type WalkLimits = MachineLimits & { maxOps: number };

export type WalkResult = {
  /** The first PROTO's argument; undefined for protocols 0 and 1, which have no PROTO. */
  protocol: number | undefined;
  found: GlobalsFound;
  persistentIds: number;
  opcodes: number;
  /** Offset just past the STOP. */
  end: number;
};

const HIGHEST_PROTOCOL = 5;

export function walk(bytes: Uint8Array, limits: WalkLimits): WalkResult {
  const n = bytes.length;
  const m = new PickleMachine(limits, bytes);
  const found = new GlobalsFound();
  const maxOps = limits.maxOps;
  let pos = 0;
  let ops = 0;
  let proto = 0;
  let firstProto: number | undefined;
  let persistentIds = 0;
  let len = 0;
  let x = 0;

  for (;;) {
    if (pos >= n) throw new PickleScanError("truncated", n, undefined, n === 0 ? "empty input" : "input ended before STOP");
    m.at = pos;
    const op = bytes[pos++]!;
    if (++ops > maxOps) throw m.error("limit-exceeded", `more than ${maxOps} opcodes (maxOps)`);
    switch (op) {
      // Fixed-size arguments.
      case OP.BININT1: if (n - pos < 1) throw short(m, 1); pos += 1; m.push(NOT_STR); break;
      case OP.BININT2: if (n - pos < 2) throw short(m, 2); pos += 2; m.push(NOT_STR); break;
      case OP.BININT: if (n - pos < 4) throw short(m, 4); pos += 4; m.push(NOT_STR); break;
      case OP.BINFLOAT: if (n - pos < 8) throw short(m, 8); pos += 8; m.push(NOT_STR); break;
      case OP.NONE: case OP.NEWTRUE: case OP.NEWFALSE: case OP.EMPTY_TUPLE: case OP.EMPTY_LIST:
      case OP.EMPTY_DICT: case OP.EMPTY_SET:
        m.push(NOT_STR); break;
      // Counted arguments: the count is checked against the remaining input, nothing is copied.
      case OP.LONG1: case OP.SHORT_BINBYTES:
        if (n - pos < 1) throw short(m, 1);
        len = bytes[pos]!; pos += 1;
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(NOT_STR); break;
      case OP.LONG4:
        if (n - pos < 4) throw short(m, 4);
        len = i32(bytes, pos); pos += 4;
        if (len < 0) throw m.error("invalid-argument", `negative byte count ${len} (LONG pickle has negative byte count)`);
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(NOT_STR); break;
      case OP.BINBYTES:
        if (n - pos < 4) throw short(m, 4);
        len = u32(bytes, pos); pos += 4;
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(NOT_STR); break;
      case OP.BINBYTES8: case OP.BYTEARRAY8:
        if (n - pos < 8) throw short(m, 8);
        len = u64(bytes, pos); pos += 8;
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(NOT_STR); break;
      // Strings: the value is the opcode's own offset, decoded later only if a STACK_GLOBAL needs it.
      case OP.SHORT_BINUNICODE: case OP.SHORT_BINSTRING:
        if (n - pos < 1) throw short(m, 1);
        len = bytes[pos]!; pos += 1;
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(m.at); break;
      case OP.BINUNICODE: case OP.BINSTRING:
        if (n - pos < 4) throw short(m, 4);
        len = u32(bytes, pos); pos += 4;
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(m.at); break;
      case OP.BINUNICODE8:
        if (n - pos < 8) throw short(m, 8);
        len = u64(bytes, pos); pos += 8;
        if (n - pos < len) throw short(m, len, true);
        pos += len; m.push(m.at); break;
      case OP.UNICODE: pos = line(bytes, pos, m, 0) + 1; m.push(m.at); break;
      case OP.STRING: {
        const end = line(bytes, pos, m, 0);
        const quote = bytes[pos];
        if (end - pos < 2 || bytes[end - 1] !== quote || (quote !== 0x27 && quote !== 0x22)) {
          throw m.error("invalid-argument", "the STRING opcode argument must be quoted");
        }
        pos = end + 1; m.push(m.at); break;
      }
      case OP.INT: case OP.LONG: case OP.FLOAT: pos = line(bytes, pos, m, 1) + 1; m.push(NOT_STR); break;
      // Memo.
      case OP.BINPUT: if (n - pos < 1) throw short(m, 1); m.memoPut(bytes[pos]!); pos += 1; break;
      case OP.LONG_BINPUT: if (n - pos < 4) throw short(m, 4); m.memoPut(u32(bytes, pos)); pos += 4; break;
      case OP.MEMOIZE: m.memoize(); break;
      case OP.BINGET: if (n - pos < 1) throw short(m, 1); m.push(m.memoGet(bytes[pos]!)); pos += 1; break;
      case OP.LONG_BINGET: if (n - pos < 4) throw short(m, 4); m.push(m.memoGet(u32(bytes, pos))); pos += 4; break;
      case OP.PUT: case OP.GET: {
        const end = line(bytes, pos, m, 1);
        if (op === OP.PUT) m.peek();
        const key = parseDecimalKey(bytes, pos, end);
        if (key === undefined) throw m.error("invalid-argument", "memo key is not a decimal integer");
        if (op === OP.GET) m.push(m.memoGet(key));
        else if (key < 0) throw m.error("invalid-argument", "negative PUT argument");
        else m.memoPut(key);
        pos = end + 1; break;
      }
      // Stack and marks.
      case OP.MARK: m.mark(); break;
      case OP.POP: m.popItemOrMark(); break;
      case OP.POP_MARK: m.truncate(m.popMark()); break;
      case OP.DUP: m.push(m.peek()); break;
      case OP.TUPLE1: m.need(1); m.setTop(NOT_STR); break;
      case OP.TUPLE2: m.need(2); m.top -= 1; m.setTop(NOT_STR); break;
      case OP.TUPLE3: m.need(3); m.top -= 2; m.setTop(NOT_STR); break;
      case OP.TUPLE: case OP.LIST: case OP.FROZENSET: m.truncate(m.popMark()); m.push(NOT_STR); break;
      case OP.DICT:
        x = m.popMark();
        if ((m.top - x) % 2 !== 0) throw m.error("invalid-argument", "odd number of items for DICT");
        m.truncate(x); m.push(NOT_STR); break;
      case OP.APPEND: m.need(2); m.top -= 1; break;
      case OP.SETITEM: m.need(3); m.top -= 2; break;
      case OP.APPENDS: case OP.SETITEMS: case OP.ADDITEMS:
        x = m.popMark();
        if (x > m.top || x <= m.fence) throw m.underflow();
        if (op === OP.SETITEMS && (m.top - x) % 2 !== 0) throw m.error("invalid-argument", "odd number of items for SETITEMS");
        m.truncate(x); break;
      case OP.BUILD: m.need(2); m.top -= 1; break;
      // Calls and objects: results are opaque.
      case OP.REDUCE: m.pop(); m.peek(); m.setTop(OPAQUE); break;
      case OP.NEWOBJ: m.pop(); m.peek(); m.setTop(OPAQUE); break;
      case OP.NEWOBJ_EX: m.pop(); m.pop(); m.peek(); m.setTop(OPAQUE); break;
      case OP.OBJ:
        x = m.popMark();
        if (m.top - x < 1) throw m.underflow();
        m.truncate(x); m.push(OPAQUE); break;
      case OP.BINPERSID: m.peek(); m.setTop(OPAQUE); persistentIds++; break;
      case OP.PERSID: {
        const end = line(bytes, pos, m, 0);
        if (decodeAsciiStrict(bytes.subarray(pos, end)) === undefined) {
          throw m.error("invalid-argument", "persistent IDs in protocol 0 must be ASCII strings");
        }
        pos = end + 1; m.push(OPAQUE); persistentIds++; break;
      }
      case OP.NEXT_BUFFER: m.push(OPAQUE); break;
      case OP.READONLY_BUFFER: m.peek(); m.setTop(NOT_STR); break;
      // Globals.
      case OP.GLOBAL: case OP.INST: {
        if (op === OP.INST) x = m.popMark();
        const decode = op === OP.GLOBAL ? decodeUtf8Strict : decodeAsciiStrict;
        const moduleEnd = line(bytes, pos, m, 1);
        const nameEnd = line(bytes, moduleEnd + 1, m, 1);
        const module = decode(bytes.subarray(pos, moduleEnd));
        const name = decode(bytes.subarray(moduleEnd + 1, nameEnd));
        if (module === undefined || name === undefined) throw m.error("invalid-argument", `module or name is not ${op === OP.GLOBAL ? "UTF-8" : "ASCII"}`);
        found.add(module, name, proto);
        if (op === OP.INST) m.truncate(x);
        pos = nameEnd + 1; m.push(OPAQUE); break;
      }
      case OP.STACK_GLOBAL: {
        const name = stackString(bytes, m, m.pop());
        const module = stackString(bytes, m, m.pop());
        found.add(module, name, proto);
        m.push(OPAQUE); break;
      }
      case OP.EXT1: case OP.EXT2: case OP.EXT4: {
        const size = op === OP.EXT1 ? 1 : op === OP.EXT2 ? 2 : 4;
        if (n - pos < size) throw short(m, size);
        const code = size === 1 ? bytes[pos]! : size === 2 ? u16(bytes, pos) : i32(bytes, pos);
        if (code <= 0) throw m.error("invalid-argument", `extension code ${code} (EXT specifies code <= 0)`);
        found.addExtension(code);
        pos += size; m.push(OPAQUE); break;
      }
      // Framing and protocol.
      case OP.PROTO:
        if (n - pos < 1) throw short(m, 1);
        proto = bytes[pos++]!;
        if (proto > HIGHEST_PROTOCOL) throw m.error("invalid-argument", `unsupported pickle protocol: ${proto}`);
        firstProto ??= proto; break;
      case OP.FRAME:
        // The C unpickler only checks that the whole frame is there; opcodes may straddle frames.
        if (n - pos < 8) throw short(m, 8);
        len = u64(bytes, pos); pos += 8;
        if (n - pos < len) throw short(m, len, true);
        break;
      case OP.STOP:
        m.pop();
        return { protocol: firstProto, found, persistentIds, opcodes: ops, end: pos };
      default:
        throw m.error("unknown-opcode", "not a pickle opcode (invalid load key)");
    }
  }
}

/** The argument is cut off, or (declared) a counted payload is longer than the input left. */
function short(m: PickleMachine, wanted: number, declared = false): PickleScanError {
  const what = declared ? `declares ${wanted} bytes of data` : `needs a ${wanted}-byte argument`;
  return m.error("truncated", `${what}, beyond the end of the input`);
}

/** End (newline index) of the text argument starting at `from`; `minLength` excludes the newline. */
function line(bytes: Uint8Array, from: number, m: PickleMachine, minLength: number): number {
  const end = lineEnd(bytes, from);
  if (end < 0) throw m.error("truncated", "text argument has no newline before the end of the input");
  if (end - from < minLength) throw m.error("invalid-argument", "empty text argument (pickle data was truncated)");
  return end;
}

/** A STACK_GLOBAL operand: known text, or DYNAMIC when it is the unknowable result of a call. */
function stackString(bytes: Uint8Array, m: PickleMachine, value: number): string {
  if (value === OPAQUE) return DYNAMIC;
  const text = value === NOT_STR ? undefined : decodeStrValue(bytes, value);
  if (text === undefined) throw m.error("invalid-argument", "STACK_GLOBAL requires str");
  return text;
}
