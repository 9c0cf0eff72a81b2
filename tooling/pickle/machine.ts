// The unpickler's stack, MARK stack and memo, with CPython's _pickle.c discipline: a MARK opens a
// frame (its "fence"), and opcodes that pop may not reach below the fence. Values are numbers (values.ts) so
// that nothing is allocated per opcode: a str is the byte offset of the opcode that made it, a global a tag
// that names it, a tuple a tag under which values.ts keeps its items while it is recent, and so on.
import { PickleScanError } from "./errors.ts";
import type { Values } from "./values.ts";

/** The dense memo stores value + BIAS so that 0, what a new Float64Array holds, means unset. */
const BIAS = 2 ** 52;

export type MachineLimits = { maxStackDepth: number; maxMemo: number };

export class PickleMachine {
  /** Offset of the opcode being run, for error messages. */
  at = 0;
  /** Where the current FRAME ends (the input length outside frames): reads may not pass it. */
  frameEnd: number;
  readonly inputLength: number;
  top = 0;
  fence = 0;
  memoLen = 0;
  #stack: Float64Array;
  #marks: Float64Array;
  #markCount = 0;
  // Memo keys are dense in practice (0, 1, 2...); keys below #dense.length live there, others in
  // #sparse, so a hostile key like 2**32-1 costs one Map entry, not a 32 GiB array.
  #dense = new Float64Array(1024);
  #sparse = new Map<number, number>();
  readonly #limits: MachineLimits;
  readonly #bytes: Uint8Array;
  readonly values: Values;

  constructor(limits: MachineLimits, bytes: Uint8Array, values: Values) {
    this.#limits = limits;
    this.#bytes = bytes;
    this.values = values;
    this.inputLength = this.frameEnd = bytes.length;
    this.#stack = new Float64Array(Math.min(256, limits.maxStackDepth));
    this.#marks = new Float64Array(Math.min(32, limits.maxStackDepth));
  }

  push(value: number): void {
    if (this.top === this.#stack.length) this.#stack = this.#grown(this.#stack, "items");
    this.#stack[this.top++] = value;
  }

  pop(): number {
    if (this.top <= this.fence) throw this.underflow();
    return this.#stack[--this.top]!;
  }

  peek(): number {
    if (this.top <= this.fence) throw this.underflow();
    return this.#stack[this.top - 1]!;
  }

  /** Fails unless the current frame holds at least `count` items. */
  need(count: number): void {
    if (this.top - count < this.fence) throw this.underflow();
  }

  /** Replaces the items from `position` to the top by a tuple of them (TUPLE1/2/3, TUPLE, EMPTY_TUPLE). */
  makeTuple(position: number): void {
    const tag = this.values.tuple(this.#stack, position, this.top - position);
    this.top = position;
    this.push(tag);
  }

  /** A tuple of the items from `position` to the top, left on the stack (OBJ and INST call with them). */
  tupleFrom(position: number): number {
    return this.values.tuple(this.#stack, position, this.top - position);
  }

  /** The item at absolute stack position `position` (at or above the fence). */
  itemAt(position: number): number {
    return this.#stack[position]!;
  }

  setTop(value: number): void {
    this.#stack[this.top - 1] = value;
  }

  /** Drops items down to `position` (an absolute stack length at or above the fence). */
  truncate(position: number): void {
    this.top = position;
  }

  mark(): void {
    if (this.#markCount === this.#marks.length) this.#marks = this.#grown(this.#marks, "open MARKs");
    this.#marks[this.#markCount++] = this.top;
    this.fence = this.top;
  }

  /** Pops the last MARK and returns the stack length it recorded (CPython's `marker()`). */
  popMark(): number {
    if (this.#markCount === 0) throw this.error("missing-mark", "no MARK to pop (could not find MARK)");
    const position = this.#marks[--this.#markCount]!;
    this.fence = this.#markCount === 0 ? 0 : this.#marks[this.#markCount - 1]!;
    return position;
  }

  /** POP: drops the top item, or the MARK itself when the current frame is empty. */
  popItemOrMark(): void {
    if (this.#markCount > 0 && this.#marks[this.#markCount - 1] === this.top) this.popMark();
    else this.pop();
  }

  memoPut(key: number): void {
    const value = this.peek();
    const dense = this.#dense;
    if (key >= dense.length && key < 2 * this.memoLen + 2048) this.#growDense(key);
    if (key < this.#dense.length) {
      if (this.#dense[key] === 0) this.#countNewKey();
      this.#dense[key] = value + BIAS;
    } else {
      if (!this.#sparse.has(key)) this.#countNewKey();
      this.#sparse.set(key, value);
    }
  }

  memoize(): void {
    this.memoPut(this.memoLen);
  }

  memoGet(key: number): number {
    const value = key >= 0 && key < this.#dense.length ? this.#dense[key]! - BIAS : this.#sparse.get(key);
    if (value === undefined || value === -BIAS) throw this.error("memo-missing", `memo key ${key} was never stored (Memo value not found)`);
    return value;
  }

  error(code: ConstructorParameters<typeof PickleScanError>[0], detail: string): PickleScanError {
    return new PickleScanError(code, this.at, this.#bytes[this.at], detail);
  }

  underflow(): PickleScanError {
    const where = this.#markCount > 0 ? "above the last MARK" : "on the stack";
    return this.error("stack-underflow", `stack underflow: not enough items ${where}`);
  }

  #countNewKey(): void {
    if (this.memoLen >= this.#limits.maxMemo) {
      throw this.error("limit-exceeded", `memo would exceed ${this.#limits.maxMemo} entries (maxMemo)`);
    }
    this.memoLen++;
  }

  #growDense(key: number): void {
    const grown = new Float64Array(Math.max(key + 1, 2 * this.#dense.length));
    grown.set(this.#dense);
    for (const [k, v] of this.#sparse) {
      if (k < grown.length) {
        grown[k] = v + BIAS;
        this.#sparse.delete(k);
      }
    }
    this.#dense = grown;
  }

  /** maxStackDepth bounds the stack items and, separately, the open MARKs; checked only on growth. */
  #grown(array: Float64Array, what: string): Float64Array {
    if (array.length >= this.#limits.maxStackDepth) {
      throw this.error("limit-exceeded", `stack would exceed ${this.#limits.maxStackDepth} ${what} (maxStackDepth)`);
    }
    const grown = new Float64Array(Math.min(2 * array.length, this.#limits.maxStackDepth));
    grown.set(array);
    return grown;
  }
}
