// The one error the pickle scanner throws for bad input: where (byte offset), which opcode, what.
import { RegistryError } from "../../src/errors.ts";
import { opcodeName } from "./opcodes.ts";

export type PickleScanErrorCode =
  /** The input ends inside an opcode, its argument, or before STOP; or a length points past the end. */
  | "truncated"
  /** A byte that is no pickle opcode where an opcode was expected. */
  | "unknown-opcode"
  /** An opcode needs more stack items than the current MARK frame holds. */
  | "stack-underflow"
  /** An opcode that collects items up to a MARK found none. */
  | "missing-mark"
  /** GET/BINGET/LONG_BINGET of a memo key that was never PUT. */
  | "memo-missing"
  /** An argument CPython's unpickler rejects (unquoted STRING, odd SETITEMS, EXT code 0, ...). */
  | "invalid-argument"
  /** One of the scan's bounds (opcodes, stack depth, memo size) was reached. */
  | "limit-exceeded";

export class PickleScanError extends RegistryError {
  override readonly name = "PickleScanError";
  readonly code: PickleScanErrorCode;
  /** Byte offset of the opcode at fault (the input length when the input ended before STOP). */
  readonly offset: number;
  /** The opcode's name ("BINGET"), its byte in hex when unknown ("0xff"), or "end of input". */
  readonly opcode: string;
  readonly detail: string;

  constructor(code: PickleScanErrorCode, offset: number, opcode: number | undefined, detail: string) {
    const op = opcode === undefined ? "end of input" : opcodeName(opcode);
    super(`pickle byte ${offset} (${op}): ${detail}`);
    this.code = code;
    this.offset = offset;
    this.opcode = op;
    this.detail = detail;
  }
}
