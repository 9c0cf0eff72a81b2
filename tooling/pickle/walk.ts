// The opcode walker: runs a pickle's opcodes on the simulated stack and memo until the first STOP,
// in one pass and without recursion, importing and calling nothing. Checks and their order follow
// CPython's C unpickler (Modules/_pickle.c), which is what torch.load uses, so that any pickle it
// would load walks to the same STOP and names the same globals. Values are not validated beyond
// what naming a global needs (a malformed INT passes here and fails in Python, never the reverse).
import { line, parseDecimalKey, refill, truncated } from "./args.ts";
import { i32, u16, u32, u64 } from "./read.ts";
import { PickleScanError } from "./errors.ts";
import { GlobalsFound } from "./globals-found.ts";
import { PickleMachine, type MachineLimits } from "./machine.ts";
import { OP } from "./opcodes.ts";
import { decodeAsciiStrict, decodeStrValue, decodeUtf8Strict } from "./strings.ts";
import { Usage } from "./usage.ts";
import * as values_ from "./values.ts";
import { Values, intLineValue, intValue, isAttributeNameAt, isGlobal, isResult, isStrLiteral, isTuple } from "./values.ts";
import { DYNAMIC } from "./verdict.ts";

export type WalkLimits = MachineLimits & { maxOps: number };

export type WalkResult = {
  /** The first PROTO's argument; undefined for protocols 0 and 1, which have no PROTO. */
  protocol: number | undefined;
  found: GlobalsFound;
  /** Uses of the globals outside the reviewed rules: arguments, BUILD, containers, persistent ids. */
  usage: Usage;
  persistentIds: number;
  opcodes: number;
  /** Offset just past the STOP. */
  end: number;
};

const HIGHEST_PROTOCOL = 5;

// Opcodes as module constants: `case OP.X` would load a property per case per opcode (and under
// vitest's module transform, call a getter), which made the walk several times slower.
const {
  ADDITEMS,
  APPEND,
  APPENDS,
  BINBYTES,
  BINBYTES8,
  BINFLOAT,
  BINGET,
  BININT,
  BININT1,
  BININT2,
  BINPERSID,
  BINPUT,
  BINSTRING,
  BINUNICODE,
  BINUNICODE8,
  BUILD,
  BYTEARRAY8,
  DICT,
  DUP,
  EMPTY_DICT,
  EMPTY_LIST,
  EMPTY_SET,
  EMPTY_TUPLE,
  EXT1,
  EXT2,
  EXT4,
  FLOAT: FLOAT_OP,
  FRAME,
  FROZENSET: FROZENSET_OP,
  GET,
  GLOBAL,
  INST,
  INT: INT_OP,
  LIST: LIST_OP,
  LONG,
  LONG1,
  LONG4,
  LONG_BINGET,
  LONG_BINPUT,
  MARK,
  MEMOIZE,
  NEWFALSE,
  NEWOBJ,
  NEWOBJ_EX,
  NEWTRUE,
  NEXT_BUFFER,
  NONE: NONE_OP,
  OBJ,
  PERSID,
  POP,
  POP_MARK,
  PROTO,
  PUT,
  READONLY_BUFFER,
  REDUCE,
  SETITEM,
  SETITEMS,
  SHORT_BINBYTES,
  SHORT_BINSTRING,
  SHORT_BINUNICODE,
  STACK_GLOBAL,
  STOP,
  STRING,
  TUPLE,
  TUPLE1,
  TUPLE2,
  TUPLE3,
  UNICODE,
} = OP;
// The value kinds likewise, copied once.
const { BYTEARRAY, FALSE, FLOAT, FROZENSET, INT, LIST, NONE, OBJECT, OPAQUE, SET, STORAGE, TRUE } = values_;

export function walk(bytes: Uint8Array, limits: WalkLimits, extraPackages: readonly string[] = []): WalkResult {
  const n = bytes.length;
  const values = new Values();
  const m = new PickleMachine(limits, bytes, values);
  const found = new GlobalsFound(extraPackages, (detail) => m.error("limit-exceeded", detail));
  const usage = new Usage({ bytes, values, globalName: (i) => found.name(i), globalUse: (i) => found.use(i) });
  found.usage = usage;
  /** An item set into a dict: whether the dict's keys are still all attribute names, and the item itself. */
  const itemSet = (dict: number, key: number, value: number) => {
    // Only the keys of a dict that may still become an object's state are read.
    if (values.hasAttributeKeysOnly(dict) && !(isStrLiteral(bytes, key) && isAttributeNameAt(bytes, key))) values.keySet(dict, false);
    values.itemSet(dict, key, value);
  };
  const maxOps = limits.maxOps;
  let pos = 0;
  let ops = 0;
  let proto = 0;
  let firstProto: number | undefined;
  let persistentIds = 0;
  let len = 0;
  let x = 0;
  // Reads may not run past `end`: the input's end, or the end of the FRAME being read. CPython's
  // loaders disagree on an argument that crosses a frame's end (pickle.loads reads on; the C
  // unpickler reading a file, as torch.load does, drops the rest of the frame and reads on after
  // it; pickle.py refuses), so such a pickle is refused here rather than read one of those ways.
  let end = n;

  for (;;) {
    if (pos >= end) {
      if (pos >= n) throw new PickleScanError("truncated", n, undefined, n === 0 ? "empty input" : "input ended before STOP");
      end = m.frameEnd = n;
    }
    m.at = pos;
    const op = bytes[pos++]!;
    if (++ops > maxOps) throw m.error("limit-exceeded", `more than ${maxOps} opcodes (maxOps)`);
    switch (op) {
      // Fixed-size arguments.
      case BININT1:
        if (end - pos < 1) end = refill(m, pos, 1);
        m.push(intValue(bytes[pos]!));
        pos += 1;
        break;
      case BININT2:
        if (end - pos < 2) end = refill(m, pos, 2);
        m.push(intValue(u16(bytes, pos)));
        pos += 2;
        break;
      case BININT:
        if (end - pos < 4) end = refill(m, pos, 4);
        m.push(intValue(i32(bytes, pos)));
        pos += 4;
        break;
      case BINFLOAT:
        if (end - pos < 8) end = refill(m, pos, 8);
        pos += 8;
        m.push(FLOAT);
        break;
      case EMPTY_TUPLE:
        m.makeTuple(m.top);
        break;
      case NONE_OP:
        m.push(NONE);
        break;
      case NEWTRUE:
        m.push(TRUE);
        break;
      case NEWFALSE:
        m.push(FALSE);
        break;
      case EMPTY_LIST:
        m.push(LIST);
        break;
      case EMPTY_DICT:
        m.push(values.dict(true));
        break;
      case EMPTY_SET:
        m.push(SET);
        break;
      // Counted arguments: the count is checked against the remaining input, nothing is copied.
      case LONG1:
      case SHORT_BINBYTES:
        if (end - pos < 1) end = refill(m, pos, 1);
        len = bytes[pos]!;
        pos += 1;
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(op === LONG1 ? INT : m.at);
        break;
      case LONG4:
        if (end - pos < 4) end = refill(m, pos, 4);
        len = i32(bytes, pos);
        pos += 4;
        if (len < 0) throw m.error("invalid-argument", `negative byte count ${len} (LONG pickle has negative byte count)`);
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(INT);
        break;
      case BINBYTES:
        if (end - pos < 4) end = refill(m, pos, 4);
        len = u32(bytes, pos);
        pos += 4;
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(m.at);
        break;
      case BINBYTES8:
      case BYTEARRAY8:
        if (end - pos < 8) end = refill(m, pos, 8);
        len = u64(bytes, pos);
        pos += 8;
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(op === BYTEARRAY8 ? BYTEARRAY : m.at);
        break;
      // Strings: the value is the opcode's own offset, decoded later only if a STACK_GLOBAL needs it.
      case SHORT_BINUNICODE:
      case SHORT_BINSTRING:
        if (end - pos < 1) end = refill(m, pos, 1);
        len = bytes[pos]!;
        pos += 1;
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(m.at);
        break;
      case BINUNICODE:
      case BINSTRING:
        if (end - pos < 4) end = refill(m, pos, 4);
        len = u32(bytes, pos);
        pos += 4;
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(m.at);
        break;
      case BINUNICODE8:
        if (end - pos < 8) end = refill(m, pos, 8);
        len = u64(bytes, pos);
        pos += 8;
        if (end - pos < len) end = refill(m, pos, len, true);
        pos += len;
        m.push(m.at);
        break;
      case UNICODE:
        pos = line(bytes, pos, m, 0) + 1;
        end = m.frameEnd;
        m.push(m.at);
        break;
      case STRING: {
        const eol = line(bytes, pos, m, 0);
        const quote = bytes[pos];
        if (eol - pos < 2 || bytes[eol - 1] !== quote || (quote !== 0x27 && quote !== 0x22)) {
          throw m.error("invalid-argument", "the STRING opcode argument must be quoted");
        }
        pos = eol + 1;
        end = m.frameEnd;
        m.push(m.at);
        break;
      }
      case INT_OP:
      case LONG:
      case FLOAT_OP: {
        const eol = line(bytes, pos, m, 1);
        m.push(op === FLOAT_OP ? FLOAT : op === LONG ? INT : intLineValue(bytes, pos, eol));
        pos = eol + 1;
        end = m.frameEnd;
        break;
      }
      // Memo.
      case BINPUT:
        if (end - pos < 1) end = refill(m, pos, 1);
        m.memoPut(bytes[pos]!);
        pos += 1;
        break;
      case LONG_BINPUT:
        if (end - pos < 4) end = refill(m, pos, 4);
        m.memoPut(u32(bytes, pos));
        pos += 4;
        break;
      case MEMOIZE:
        m.memoize();
        break;
      case BINGET:
        if (end - pos < 1) end = refill(m, pos, 1);
        m.push(m.memoGet(bytes[pos]!));
        pos += 1;
        break;
      case LONG_BINGET:
        if (end - pos < 4) end = refill(m, pos, 4);
        m.push(m.memoGet(u32(bytes, pos)));
        pos += 4;
        break;
      case PUT:
      case GET: {
        const eol = line(bytes, pos, m, 1);
        if (op === PUT) m.peek();
        const key = parseDecimalKey(bytes, pos, eol);
        if (key === undefined) throw m.error("invalid-argument", "memo key is not a decimal integer");
        if (op === GET) m.push(m.memoGet(key));
        else if (key < 0) throw m.error("invalid-argument", "negative PUT argument");
        else m.memoPut(key);
        pos = eol + 1;
        end = m.frameEnd;
        break;
      }
      // Stack and marks.
      case MARK:
        m.mark();
        break;
      case POP:
        m.popItemOrMark();
        break;
      case POP_MARK:
        m.truncate(m.popMark());
        break;
      case DUP:
        m.push(m.peek());
        break;
      case TUPLE1:
        m.need(1);
        m.makeTuple(m.top - 1);
        break;
      case TUPLE2:
        m.need(2);
        m.makeTuple(m.top - 2);
        break;
      case TUPLE3:
        m.need(3);
        m.makeTuple(m.top - 3);
        break;
      case TUPLE:
        m.makeTuple(m.popMark());
        break;
      case LIST_OP:
      case FROZENSET_OP:
        m.truncate(m.popMark());
        m.push(op === LIST_OP ? LIST : FROZENSET);
        break;
      case DICT: {
        x = m.popMark();
        if ((m.top - x) % 2 !== 0) throw m.error("invalid-argument", "odd number of items for DICT");
        const dict = values.dict(true);
        for (let k = x; k < m.top; k += 2) itemSet(dict, m.itemAt(k), m.itemAt(k + 1));
        m.truncate(x);
        m.push(dict);
        break;
      }
      case APPEND:
        m.need(2);
        usage.container("appends", m.itemAt(m.top - 2), m.at);
        m.top -= 1;
        break;
      case SETITEM:
        m.need(3);
        usage.container("setitems", m.itemAt(m.top - 3), m.at);
        itemSet(m.itemAt(m.top - 3), m.itemAt(m.top - 2), m.itemAt(m.top - 1));
        m.top -= 2;
        break;
      case APPENDS:
      case SETITEMS:
      case ADDITEMS: {
        x = m.popMark();
        if (x > m.top || x <= m.fence) throw m.underflow();
        if (op === SETITEMS && (m.top - x) % 2 !== 0) throw m.error("invalid-argument", "odd number of items for SETITEMS");
        const target = m.itemAt(x - 1);
        usage.container(op === APPENDS ? "appends" : op === SETITEMS ? "setitems" : "additems", target, m.at);
        if (op === SETITEMS) for (let k = x; k < m.top; k += 2) itemSet(target, m.itemAt(k), m.itemAt(k + 1));
        m.truncate(x);
        break;
      }
      case BUILD:
        m.need(2);
        usage.build(m.itemAt(m.top - 2), m.itemAt(m.top - 1), m.at);
        m.top -= 1;
        break;
      // Calls and objects: the result is what the callable returns, as the reviewed list types it.
      case REDUCE:
        x = m.pop();
        m.setTop(found.call(m.peek(), m.at, x));
        break;
      case NEWOBJ:
        x = m.pop();
        m.setTop(found.call(m.peek(), m.at, x, "NEWOBJ"));
        break;
      case NEWOBJ_EX:
        m.pop();
        x = m.pop();
        m.setTop(found.call(m.peek(), m.at, x, "NEWOBJ_EX"));
        break;
      case OBJ: {
        x = m.popMark();
        if (m.top - x < 1) throw m.underflow();
        const result = found.call(m.itemAt(x), m.at, m.tupleFrom(x + 1));
        m.truncate(x);
        m.push(result);
        break;
      }
      case BINPERSID:
        usage.persistentId(m.peek(), m.at);
        m.setTop(STORAGE);
        persistentIds++;
        break;
      case PERSID: {
        const eol = line(bytes, pos, m, 0);
        if (decodeAsciiStrict(bytes.subarray(pos, eol)) === undefined) {
          throw m.error("invalid-argument", "persistent IDs in protocol 0 must be ASCII strings");
        }
        usage.persistentId(OBJECT, m.at);
        pos = eol + 1;
        end = m.frameEnd;
        m.push(STORAGE);
        persistentIds++;
        break;
      }
      case NEXT_BUFFER:
        m.push(OPAQUE);
        break;
      case READONLY_BUFFER:
        m.peek();
        m.setTop(OBJECT);
        break;
      // Globals.
      case GLOBAL:
      case INST: {
        if (op === INST) x = m.popMark();
        const decode = op === GLOBAL ? decodeUtf8Strict : decodeAsciiStrict;
        const moduleEnd = line(bytes, pos, m, 1);
        const nameEnd = line(bytes, moduleEnd + 1, m, 1);
        const module = decode(bytes.subarray(pos, moduleEnd));
        const name = decode(bytes.subarray(moduleEnd + 1, nameEnd));
        if (module === undefined || name === undefined) throw m.error("invalid-argument", `module or name is not ${op === GLOBAL ? "UTF-8" : "ASCII"}`);
        const tag = found.add(module, name, proto);
        let result = tag;
        if (op === INST) {
          result = found.call(tag, m.at, m.tupleFrom(x));
          m.truncate(x);
        }
        pos = nameEnd + 1;
        end = m.frameEnd;
        m.push(result);
        break;
      }
      case STACK_GLOBAL: {
        const name = stackString(bytes, m, m.pop());
        const module = stackString(bytes, m, m.pop());
        m.push(found.add(module, name, proto));
        break;
      }
      case EXT1:
      case EXT2:
      case EXT4: {
        const size = op === EXT1 ? 1 : op === EXT2 ? 2 : 4;
        if (end - pos < size) end = refill(m, pos, size);
        const code = size === 1 ? bytes[pos]! : size === 2 ? u16(bytes, pos) : i32(bytes, pos);
        if (code <= 0) throw m.error("invalid-argument", `extension code ${code} (EXT specifies code <= 0)`);
        pos += size;
        m.push(found.addExtension(code));
        break;
      }
      // Framing and protocol.
      case PROTO:
        if (end - pos < 1) end = refill(m, pos, 1);
        proto = bytes[pos++]!;
        if (proto > HIGHEST_PROTOCOL) throw m.error("invalid-argument", `unsupported pickle protocol: ${proto}`);
        firstProto ??= proto;
        break;
      case FRAME:
        if (end - pos < 8) end = refill(m, pos, 8);
        len = u64(bytes, pos);
        pos += 8;
        if (pos < end && end < n) throw m.error("invalid-argument", "FRAME inside an unfinished frame");
        if (n - pos < len) throw truncated(m, len, true);
        end = m.frameEnd = pos + len;
        break;
      case STOP:
        m.pop();
        return { protocol: firstProto, found, usage, persistentIds, opcodes: ops, end: pos };
      default:
        throw m.error("unknown-opcode", "not a pickle opcode (invalid load key)");
    }
  }
}

/** A STACK_GLOBAL operand: known text, or DYNAMIC when it is the unknowable result of a call. */
function stackString(bytes: Uint8Array, m: PickleMachine, value: number): string {
  // An object made while unpickling (a call's result, a global's value, a persistent object) is known only
  // at load time; anything else the walk knows to be no str.
  if (value === OPAQUE || value === STORAGE || isGlobal(value) || isResult(value)) return DYNAMIC;
  const text = isTuple(value) || value < 0 ? undefined : decodeStrValue(bytes, value);
  if (text === undefined) throw m.error("invalid-argument", "STACK_GLOBAL requires str");
  return text;
}
