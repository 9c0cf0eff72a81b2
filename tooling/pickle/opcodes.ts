// The 68 pickle opcodes of CPython's pickletools (protocols 0 to 5): byte code, name, first protocol.
// The walker switches on OP.*; the table exists so that error messages can name opcodes and so
// that a test can compare it with `pickletools.opcodes` of a real Python.

export const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  // protocol 2
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  // protocol 3
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  // protocol 4
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  // protocol 5
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

export type OpcodeName = keyof typeof OP;

/** Protocol that introduced each opcode, as pickletools records it; absent means protocol 0. */
const INTRODUCED_AFTER_PROTOCOL_0: Partial<Record<OpcodeName, number>> = {
  BININT: 1,
  BININT1: 1,
  BININT2: 1,
  BINSTRING: 1,
  SHORT_BINSTRING: 1,
  BINUNICODE: 1,
  BINFLOAT: 1,
  EMPTY_LIST: 1,
  APPENDS: 1,
  EMPTY_TUPLE: 1,
  EMPTY_DICT: 1,
  SETITEMS: 1,
  POP_MARK: 1,
  BINGET: 1,
  LONG_BINGET: 1,
  BINPUT: 1,
  LONG_BINPUT: 1,
  OBJ: 1,
  BINPERSID: 1,
  PROTO: 2,
  NEWOBJ: 2,
  EXT1: 2,
  EXT2: 2,
  EXT4: 2,
  TUPLE1: 2,
  TUPLE2: 2,
  TUPLE3: 2,
  NEWTRUE: 2,
  NEWFALSE: 2,
  LONG1: 2,
  LONG4: 2,
  BINBYTES: 3,
  SHORT_BINBYTES: 3,
  SHORT_BINUNICODE: 4,
  BINUNICODE8: 4,
  BINBYTES8: 4,
  EMPTY_SET: 4,
  ADDITEMS: 4,
  FROZENSET: 4,
  NEWOBJ_EX: 4,
  STACK_GLOBAL: 4,
  MEMOIZE: 4,
  FRAME: 4,
  BYTEARRAY8: 5,
  NEXT_BUFFER: 5,
  READONLY_BUFFER: 5,
};

export type OpcodeInfo = { name: OpcodeName; code: number; protocol: number };

export const PICKLE_OPCODES: readonly OpcodeInfo[] = (Object.keys(OP) as OpcodeName[]).map((name) => ({
  name,
  code: OP[name],
  protocol: INTRODUCED_AFTER_PROTOCOL_0[name] ?? 0,
}));

const NAMES: (string | undefined)[] = new Array(256).fill(undefined);
for (const { name, code } of PICKLE_OPCODES) NAMES[code] = name;

/** The opcode's name, or its byte in hex when it is not an opcode. */
export function opcodeName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16).padStart(2, "0")}`;
}
