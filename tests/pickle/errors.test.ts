// Bad input: each failure is a PickleScanError naming the byte offset and the opcode; bounds hold.
import { describe, expect, it } from "vitest";
import { PickleScanError, scanPickle, type PickleScanOptions } from "../../tooling/pickle/scan.ts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));

function failure(input: string | Uint8Array, options: PickleScanOptions = {}) {
  try {
    scanPickle(typeof input === "string" ? bytes(input) : input, options);
  } catch (error) {
    if (!(error instanceof PickleScanError)) throw error;
    return { code: error.code, offset: error.offset, opcode: error.opcode, message: error.message };
  }
  throw new Error("scanPickle did not fail");
}

describe("PickleScanError", () => {
  it("reports truncated input", () => {
    expect(failure("")).toEqual({ code: "truncated", offset: 0, opcode: "end of input", message: "pickle byte 0 (end of input): empty input" });
    expect(failure("\x80\x02]q\x00(K\x01K\x02e")).toEqual({
      code: "truncated",
      offset: 11,
      opcode: "end of input",
      message: "pickle byte 11 (end of input): input ended before STOP",
    });
    expect(failure("\x80\x02J\x01\x02")).toMatchObject({
      code: "truncated",
      offset: 2,
      opcode: "BININT",
      message: "pickle byte 2 (BININT): needs a 4-byte argument, beyond the end of the input",
    });
    expect(failure("\x80\x02cos\nsys")).toMatchObject({ code: "truncated", offset: 2, opcode: "GLOBAL" });
  });

  it("reports a length prefix far beyond the end without allocating it", () => {
    expect(failure("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7fabc.")).toEqual({
      code: "truncated",
      offset: 2,
      opcode: "BINBYTES8",
      message: "pickle byte 2 (BINBYTES8): declares 9223372036854776000 bytes of data, beyond the end of the input",
    });
    expect(failure("\x80\x02X\xff\xff\xff\xffabc.")).toMatchObject({ code: "truncated", offset: 2, opcode: "BINUNICODE" });
    expect(failure("\x80\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00N.")).toMatchObject({ code: "truncated", offset: 2, opcode: "FRAME" });
    expect(failure("\x80\x02\x8b\x00\x00\x00\x80")).toMatchObject({ code: "invalid-argument", offset: 2, opcode: "LONG4" });
  });

  it("refuses an argument that crosses the end of its FRAME, which CPython's loaders read three ways", () => {
    // pickle.loads returns 7, the C unpickler over a file (torch.load) fails on \x07, pickle.py refuses.
    expect(failure("\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00J\x01\x00\x00\x00K\x07.")).toEqual({
      code: "invalid-argument",
      offset: 11,
      opcode: "BININT",
      message: "pickle byte 11 (BININT): argument crosses the end of its FRAME (at byte 13)",
    });
    expect(failure("\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00N\x95\x01\x00\x00\x00\x00\x00\x00\x00N.")).toMatchObject({
      code: "invalid-argument",
      opcode: "FRAME",
    });
    // At the exact end of a frame every loader reads on.
    expect(scanPickle(bytes("\x80\x04\x95\x01\x00\x00\x00\x00\x00\x00\x00K\x01.")).opcodes).toBe(4);
    expect(scanPickle(bytes("\x80\x04\x95\x01\x00\x00\x00\x00\x00\x00\x00cos\nsystem\n.")).globals).toEqual(["os.system"]);
    expect(failure("\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00cos\nsystem\n.")).toMatchObject({ code: "invalid-argument", opcode: "GLOBAL" });
  });

  it("reports an unknown opcode", () => {
    expect(failure("\x80\x02N\xff.")).toEqual({
      code: "unknown-opcode",
      offset: 3,
      opcode: "0xff",
      message: "pickle byte 3 (0xff): not a pickle opcode (invalid load key)",
    });
  });

  it("reports stack underflow, inside a MARK frame too", () => {
    expect(failure("\x80\x02.")).toEqual({
      code: "stack-underflow",
      offset: 2,
      opcode: "STOP",
      message: "pickle byte 2 (STOP): stack underflow: not enough items on the stack",
    });
    expect(failure("\x80\x02N(R.")).toMatchObject({ code: "stack-underflow", offset: 4, opcode: "REDUCE" });
    expect(failure("\x80\x02N(\x86.")).toMatchObject({ code: "stack-underflow", offset: 4, opcode: "TUPLE2" });
    expect(failure("\x80\x02(Ne.")).toMatchObject({ code: "stack-underflow", offset: 4, opcode: "APPENDS" });
  });

  it("reports a missing MARK", () => {
    expect(failure("\x80\x02K\x01t.")).toEqual({
      code: "missing-mark",
      offset: 4,
      opcode: "TUPLE",
      message: "pickle byte 4 (TUPLE): no MARK to pop (could not find MARK)",
    });
    expect(failure("\x80\x02}K\x01K\x02u.")).toMatchObject({ code: "missing-mark", offset: 7, opcode: "SETITEMS" });
  });

  it("reports a GET of a memo key never stored", () => {
    expect(failure("\x80\x02Nq\x01h\x02.")).toEqual({
      code: "memo-missing",
      offset: 5,
      opcode: "BINGET",
      message: "pickle byte 5 (BINGET): memo key 2 was never stored (Memo value not found)",
    });
    expect(failure("Np3\ng-3\n.")).toMatchObject({ code: "memo-missing", offset: 4, opcode: "GET" });
    expect(failure("\x80\x02j\xff\xff\xff\xff.")).toMatchObject({ code: "memo-missing", offset: 2, opcode: "LONG_BINGET" });
  });

  it("reports arguments CPython rejects", () => {
    expect(failure("S\"unquoted'\n.")).toMatchObject({ code: "invalid-argument", offset: 0, opcode: "STRING" });
    expect(failure("\x80\x06N.")).toMatchObject({ code: "invalid-argument", offset: 0, opcode: "PROTO" });
    expect(failure("\x80\x02\x82\x00.")).toMatchObject({ code: "invalid-argument", offset: 2, opcode: "EXT1" });
    expect(failure("(K\x01d.")).toMatchObject({ code: "invalid-argument", offset: 3, opcode: "DICT" });
    expect(failure("Np-1\n.")).toMatchObject({ code: "invalid-argument", offset: 1, opcode: "PUT" });
    expect(failure("c\nname\n.")).toMatchObject({ code: "invalid-argument", offset: 0, opcode: "GLOBAL" });
    expect(failure("\x80\x04K\x01N\x93.")).toMatchObject({
      code: "invalid-argument",
      offset: 5,
      opcode: "STACK_GLOBAL",
      message: expect.stringContaining("requires str"),
    });
    expect(failure("c\xff\xfe\nname\nN.")).toMatchObject({ code: "invalid-argument", offset: 0, opcode: "GLOBAL" });
  });
});

describe("bounds", () => {
  it("caps opcodes, stack depth and memo size", () => {
    const list = `\x80\x02](${"K\x01".repeat(100)}e.`;
    expect(scanPickle(bytes(list)).opcodes).toBe(105);
    expect(failure(list, { maxOps: 50 })).toMatchObject({ code: "limit-exceeded", offset: 4 + 47 * 2, opcode: "BININT1" });
    expect(failure(list, { maxStackDepth: 64 })).toMatchObject({ code: "limit-exceeded", opcode: "BININT1" });
    const memo = `\x80\x02${Array.from({ length: 100 }, (_, i) => `Nq${String.fromCharCode(i)}0`).join("")}N.`;
    expect(scanPickle(bytes(memo)).opcodes).toBe(303);
    expect(failure(memo, { maxMemo: 10 })).toMatchObject({ code: "limit-exceeded", offset: 2 + 10 * 4 + 1, opcode: "BINPUT" });
    expect(() => scanPickle(bytes(list), { maxOps: 0 })).toThrow(RangeError);
  });

  it("walks a million-deep nesting without recursion", () => {
    const depth = 1_000_000;
    const deep = bytes(`\x80\x02${"]".repeat(depth)}${"a".repeat(depth - 1)}.`);
    expect(scanPickle(deep).opcodes).toBe(2 * depth + 1);
    const marks = bytes(`\x80\x02${"(".repeat(depth)}${"l".repeat(depth)}.`);
    expect(scanPickle(marks).opcodes).toBe(2 * depth + 2);
  });

  it("keeps a hostile memo key to one entry", () => {
    const sparse = bytes("\x80\x02Nr\xff\xff\xff\xffj\xff\xff\xff\xff.");
    expect(scanPickle(sparse).opcodes).toBe(5);
  });
});
