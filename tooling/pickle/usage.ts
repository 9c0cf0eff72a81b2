// The scan's reading of the reviewed rules (allowlist.json): whether what a pickle does with the globals it
// imports is what the list allows. A call's arguments against the callable's signatures, BUILD's object and
// state, the containers items are added to, the persistent ids. The loader (guarded_unpickler.py) checks the
// same rules on the values themselves; here they are checked on what the walk knows of each value (values.ts),
// and anything it cannot know where a rule needs it counts against the pickle.
import {
  allowlistDocument,
  buildRules,
  containerRules,
  globRegExp,
  persistentIdType,
  typeDefinitions,
  type Allowed,
  type CallRule,
  type Signature,
  type TypeExpr,
} from "./allowlist.ts";
import { decodeStrValue } from "./strings.ts";
import {
  BYTES,
  DICT_UNTRACKED,
  FALSE,
  FLOAT,
  INT,
  LIST,
  NONE,
  OPAQUE,
  SET,
  STORAGE,
  TRUE,
  globalIndex,
  isBytesLiteral,
  isDict,
  isEncoded,
  isGlobal,
  isInt,
  isResult,
  isSmallInt,
  isStrLiteral,
  isTrackedDict,
  isTuple,
  knownBytes,
  resultOf,
  smallIntValue,
  strLiteralEquals,
  type Values,
  encodedValue,
  RESULT_TAG,
} from "./values.ts";

export interface UsageContext {
  bytes: Uint8Array;
  values: Values;
  /** "module.name" of the k-th global. */
  globalName(index: number): string;
  /** What the list allows for the k-th global (with the run's extra packages). */
  globalUse(index: number): Allowed | undefined;
}

export type ContainerOp = keyof typeof containerRules;

/** Whether a value is of a type; `args` is the arguments tuple of the call being checked, `depth` the nesting. */
type Check = (value: number, args: number, depth: number) => boolean;

interface CompiledSignature {
  params: Check[];
  rest: Check | undefined;
}

interface CompiledCall {
  name: string;
  rule: CallRule;
  signatures: CompiledSignature[];
  /** _codecs.encode, whose result the walk keeps as the text encoded. */
  encodes: boolean;
}

/** The types calls return: only values of these can be call results. */
const resultTypes = new Set(
  [...Object.values(allowlistDocument.callable), ...Object.values(allowlistDocument.narrow)].map((rule) => rule.returns).concat(allowlistDocument.classReturns),
);

/** The builtin types of allowlist.json this interpreter implements (#fits); the list may name no other. */
export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  "any",
  "none",
  "bool",
  "int",
  "float",
  "str",
  "bytes",
  "list",
  "tuple",
  "dict",
  "set",
  "storage",
  "storage-type",
  "hooks",
  "rebuild-args",
  "tensor-state",
  "tensor-metadata",
  "attributes",
  "annotation",
]);
const unimplemented = Object.keys(allowlistDocument.builtinTypes).filter((name) => !BUILTIN_TYPES.has(name));
if (unimplemented.length > 0) throw new Error(`tooling/pickle/allowlist.json: builtin types the scan does not implement: ${unimplemented.join(", ")}`);

/** Violations kept for the report; the count goes on. */
const KEPT = 10;
/** Typing keys nest (Union[(A, (B, C))]); deeper than this is no real pickle. */
const MAX_DEPTH = 8;
/** Where no call's arguments are at hand (BUILD, containers, persistent ids). */
const NO_ARGS = OPAQUE;

export class Usage {
  readonly #ctx: UsageContext;
  /** The result type of each global, looked up once. */
  readonly #returns: Array<string | null | undefined> = [];
  /** Each type's check, and each signature's, compiled on first use. */
  readonly #checks = new Map<TypeExpr, Check>();
  readonly #calls: Array<CompiledCall | null | undefined> = [];
  readonly #containers: Partial<Record<ContainerOp, Check>> = {};
  #persistentId: Check | undefined;
  /** One line per violation (the first KEPT), offset included. */
  readonly violations: string[] = [];
  count = 0;

  constructor(ctx: UsageContext) {
    this.#ctx = ctx;
  }

  /**
   * A call of the k-th global (REDUCE, OBJ, INST; NEWOBJ and NEWOBJ_EX as `newObject`) with the arguments
   * tuple `args`. Returns the value the call leaves on the stack.
   */
  call(index: number, args: number, offset: number, newObject: "NEWOBJ" | "NEWOBJ_EX" | undefined = undefined): number {
    let call = this.#calls[index];
    if (call === undefined) call = this.#calls[index] = this.#compileCall(index);
    if (call === null) return RESULT_TAG - index; // not callable (judged by its global, verdict.ts), or a class
    const values = this.#ctx.values;
    if (newObject) {
      // Real pickles make only objects of classes with NEWOBJ; everything else on the list is pickled with REDUCE.
      if (this.#violated()) this.violations.push(`${call.name} at byte ${offset}: made with ${newObject}; only classes of reviewed packages are`);
    } else if (values.tupleLength(args) < 0) {
      if (this.#violated()) this.violations.push(`${call.name} at byte ${offset}: its arguments are not built just before the call, so they cannot be checked`);
    } else if (!this.#fitsAnySignature(args, call.signatures)) {
      if (this.#violated()) this.violations.push(`${call.name} at byte ${offset}: ${this.#mismatch(args, call.rule.signatures)}`);
    }
    // _codecs.encode(text, "latin1") is how protocol 2 writes bytes: keep which text, for bytesEqual.
    if (call.encodes && values.tupleLength(args) > 0 && isStrLiteral(this.#ctx.bytes, values.tupleItem(args, 0)))
      return encodedValue(values.tupleItem(args, 0));
    return RESULT_TAG - index;
  }

  /** What calling the k-th global needs checked, or null when it takes any arguments or is no callable. */
  #compileCall(index: number): CompiledCall | null {
    const rule = this.#ctx.globalUse(index)?.rule;
    if (!rule || rule.anyArguments) return null;
    const name = this.#ctx.globalName(index);
    return { name, rule, signatures: this.#compileSignatures(rule.signatures), encodes: name === "_codecs.encode" };
  }

  #compileSignatures(signatures: readonly Signature[]): CompiledSignature[] {
    return signatures.map(({ params, rest }) => ({ params: params.map((p) => this.#check(p)), rest: rest === undefined ? undefined : this.#check(rest) }));
  }

  /** BUILD: `state` set on `target`. */
  build(target: number, state: number, offset: number): void {
    const kind = this.#resultType(target);
    const rule = kind === undefined ? undefined : buildRules.get(kind);
    if (!rule) {
      if (this.#violated())
        this.violations.push(
          `BUILD at byte ${offset}: sets state on ${this.#describe(target)}; only on ${[...buildRules.keys()].join(", ")} objects made by this pickle`,
        );
      return;
    }
    if (!this.#fits(state, rule.state, NO_ARGS, 0))
      if (this.#violated()) this.violations.push(`BUILD at byte ${offset}: the state of ${kind} is ${this.#describe(state)}, not ${rule.state}`);
  }

  /** SETITEM(S), APPEND(S), ADDITEMS on `target`. */
  container(op: ContainerOp, target: number, offset: number): void {
    const allowed = containerRules[op];
    const check = (this.#containers[op] ??= this.#check(allowed.length === 1 ? allowed[0]! : { anyOf: allowed }));
    if (!check(target, NO_ARGS, 0) && this.#violated())
      this.violations.push(`${op.toUpperCase()} at byte ${offset}: adds items to ${this.#describe(target)}; only to ${allowed.join(", ")}`);
  }

  /** PERSID/BINPERSID with the id `value`. */
  persistentId(value: number, offset: number): void {
    const check = (this.#persistentId ??= this.#check(persistentIdType));
    if (!check(value, NO_ARGS, 0) && this.#violated())
      this.violations.push(`persistent id at byte ${offset}: ${this.#describe(value)}, not a ${persistentIdType}`);
  }

  /** Counts a violation; whether to write its line (only the first few: a hostile pickle may have millions). */
  #violated(): boolean {
    return this.count++ < KEPT;
  }

  /** The type of what a call returned (its callable's `returns`), when `value` is such a result. */
  #resultType(value: number): string | undefined {
    if (!isResult(value)) return undefined;
    const index = resultOf(value);
    let type = this.#returns[index];
    if (type === undefined) type = this.#returns[index] = this.#ctx.globalUse(index)?.rule?.returns ?? null;
    return type ?? undefined;
  }

  #fitsAnySignature(args: number, signatures: readonly CompiledSignature[]): boolean {
    for (const signature of signatures) if (this.#fitsSignature(args, signature)) return true;
    return false;
  }

  /** Whether the arguments tuple `args` fits the signature. */
  #fitsSignature(args: number, { params, rest }: CompiledSignature): boolean {
    const values = this.#ctx.values;
    const n = values.tupleLength(args);
    if (n < params.length || (n > params.length && rest === undefined)) return false;
    for (let i = 0; i < n; i++) if (!(i < params.length ? params[i]! : rest!)(values.tupleItem(args, i), args, 0)) return false;
    return true;
  }

  #mismatch(args: number, signatures: readonly Signature[]): string {
    const values = this.#ctx.values;
    const n = values.tupleLength(args);
    const shapes = signatures.map((s) => `(${[...s.params.map(show), ...(s.rest === undefined ? [] : [`${show(s.rest)}...`])].join(", ")})`);
    const same = signatures.find((s) => s.params.length === n || (s.rest !== undefined && n >= s.params.length));
    if (same) {
      for (let i = 0; i < n; i++) {
        const arg = values.tupleItem(args, i);
        if (!this.#fits(arg, i < same.params.length ? same.params[i]! : same.rest!, args, 0))
          return `argument ${i + 1} is ${this.#describe(arg)}, where the list allows ${shapes.join(" or ")}`;
      }
    }
    return `called with ${n} argument${n === 1 ? "" : "s"}; the list allows ${shapes.join(" or ")}`;
  }

  /** Whether a tuple value has exactly these items' types. */
  #fitsItems(value: number, types: readonly Check[], args: number, depth: number): boolean {
    const values = this.#ctx.values;
    if (depth > MAX_DEPTH || values.tupleLength(value) !== types.length) return false;
    for (let i = 0; i < types.length; i++) if (!types[i]!(values.tupleItem(value, i), args, depth + 1)) return false;
    return true;
  }

  /** Whether every item of a tuple value is of one type. */
  #fitsEachItem(value: number, type: Check, args: number, depth: number): boolean {
    const values = this.#ctx.values;
    const n = values.tupleLength(value);
    if (depth > MAX_DEPTH || n < 0) return false;
    for (let i = 0; i < n; i++) if (!type(values.tupleItem(value, i), args, depth + 1)) return false;
    return true;
  }

  /** Whether `value` is of type `expr`; `args` is the call's arguments tuple (for rebuild-args). */
  #fits(value: number, expr: TypeExpr, args: number, depth: number): boolean {
    return this.#check(expr)(value, args, depth);
  }

  /** The check of a type, compiled once per scan (a pickle calls the same few rules thousands of times). */
  #check(expr: TypeExpr): Check {
    let check = this.#checks.get(expr);
    if (!check) {
      // A named type may be defined through others: compile on first use, through this indirection.
      this.#checks.set(expr, (value, args, depth) => check!(value, args, depth));
      check = this.#compile(expr);
      this.#checks.set(expr, check);
    }
    return check;
  }

  #compile(expr: TypeExpr): Check {
    const bytes = this.#ctx.bytes;
    if (typeof expr !== "string") {
      if ("anyOf" in expr) {
        const options = expr.anyOf.map((option) => this.#check(option));
        return (value, args, depth) => {
          for (const option of options) if (option(value, args, depth)) return true;
          return false;
        };
      }
      if ("tuple" in expr) {
        const items = expr.tuple.map((item) => this.#check(item));
        return (value, args, depth) => this.#fitsItems(value, items, args, depth);
      }
      if ("tupleOf" in expr) {
        const item = this.#check(expr.tupleOf);
        return (value, args, depth) => this.#fitsEachItem(value, item, args, depth);
      }
      if ("record" in expr) {
        const values = this.#ctx.values;
        const fields = Object.entries(expr.record).map(([key, type]) => ({ key, utf8: new TextEncoder().encode(key), check: this.#check(type) }));
        // As many items set as keys named, and each key named among them: so each exactly once.
        return (value, args, depth) => {
          const n = values.dictItemCount(value);
          if (depth > MAX_DEPTH || n !== fields.length) return false;
          for (const { key, utf8, check } of fields) {
            let i = 0;
            for (; i < n; i++) {
              const k = values.dictKey(value, i);
              if (isStrLiteral(bytes, k) && strLiteralEquals(bytes, k, key, utf8)) break;
            }
            if (i === n || !check(values.dictValue(value, i), args, depth + 1)) return false;
          }
          return true;
        };
      }
      if ("equals" in expr) {
        const want = expr.equals;
        if (want === null) return (value) => value === NONE;
        if (want === true || want === false) return (value) => value === (want ? TRUE : FALSE);
        if (typeof want === "number") return (value) => isSmallInt(value) && smallIntValue(value) === want;
        const utf8 = new TextEncoder().encode(want);
        return (value) => isStrLiteral(bytes, value) && strLiteralEquals(bytes, value, want, utf8);
      }
      if ("bytesEqual" in expr) {
        const want = expr.bytesEqual;
        return (value) => {
          const known = knownBytes(bytes, value);
          return known !== undefined && known.length === want.length && known.every((b, i) => b === want.charCodeAt(i));
        };
      }
      if ("pattern" in expr) {
        const re = new RegExp(expr.pattern, "u");
        return (value) => {
          const text = isStrLiteral(bytes, value) ? decodeStrValue(bytes, value) : undefined;
          return text !== undefined && re.test(text);
        };
      }
      const patterns = expr.global.map(globRegExp);
      const matches: Array<boolean | undefined> = [];
      return (value) => {
        if (!isGlobal(value)) return false;
        const index = globalIndex(value);
        return (matches[index] ??= patterns.some((re) => re.test(this.#ctx.globalName(index))));
      };
    }
    // A named type: the result of a call that returns it, or what the name says.
    const named = this.#compileName(expr);
    return resultTypes.has(expr) ? (value, args, depth) => this.#resultType(value) === expr || named(value, args, depth) : named;
  }

  #compileName(name: string): Check {
    const bytes = this.#ctx.bytes;
    const values = this.#ctx.values;
    const defined = typeDefinitions.get(name);
    if (defined !== undefined) return this.#check(defined);
    switch (name) {
      case "any":
        return () => true;
      case "none":
        return (value) => value === NONE;
      case "bool":
        return (value) => value === TRUE || value === FALSE;
      case "int":
        return (value) => isInt(value);
      case "float":
        return (value) => value === FLOAT;
      case "str":
        return (value) => isStrLiteral(bytes, value);
      case "bytes":
        return (value) => value === BYTES || isBytesLiteral(bytes, value) || isEncoded(value);
      case "list":
        return (value) => value === LIST;
      case "tuple":
        return (value) => isTuple(value);
      case "dict":
        return (value) => isDict(value);
      case "set":
        return (value) => value === SET;
      case "storage":
        return (value) => value === STORAGE;
      case "storage-type": {
        const storageTypes: Array<boolean | undefined> = [];
        return (value) => {
          if (!isGlobal(value)) return false;
          const index = globalIndex(value);
          return (storageTypes[index] ??= this.#ctx.globalUse(index)?.use === "reference" && this.#ctx.globalName(index).endsWith("Storage"));
        };
      }
      case "hooks":
        return (value) => this.#resultType(value) === "ordered-dict";
      case "attributes":
        return (value) => values.hasAttributeKeysOnly(value);
      case "tensor-state":
        return (value) => value === NONE || values.hasAttributeKeysOnly(value);
      case "tensor-metadata":
        return (value) => value === NONE || isDict(value);
      case "annotation": {
        const annotation: Check = (value, args, depth) => {
          if (isGlobal(value) || value === NONE) return true;
          const type = this.#resultType(value);
          return type === "type" || type === "typing-alias" || this.#fitsEachItem(value, annotation, args, depth);
        };
        return annotation;
      }
      case "rebuild-args":
        return (value, args) => {
          const func = values.tupleLength(args) > 0 ? values.tupleItem(args, 0) : OPAQUE;
          if (!isGlobal(func)) return false;
          const index = globalIndex(func);
          let call = this.#calls[index];
          if (call === undefined) call = this.#calls[index] = this.#compileCall(index);
          return call !== null && this.#fitsAnySignature(value, call.signatures);
        };
      default:
        return () => false;
    }
  }

  #describe(value: number): string {
    const bytes = this.#ctx.bytes;
    if (isStrLiteral(bytes, value)) {
      const text = decodeStrValue(bytes, value) ?? "";
      return `the str ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`;
    }
    if (isBytesLiteral(bytes, value) || isEncoded(value) || value === BYTES) return "a bytes object";
    if (isGlobal(value)) return `the global ${this.#ctx.globalName(globalIndex(value))}`;
    if (isResult(value)) return `what ${this.#ctx.globalName(resultOf(value))}() returned`;
    if (isSmallInt(value)) return `the int ${smallIntValue(value)}`;
    if (isTuple(value)) return this.#ctx.values.tupleLength(value) >= 0 ? "a tuple" : "a tuple whose items are no longer known";
    if (isTrackedDict(value) || value === DICT_UNTRACKED)
      return this.#ctx.values.hasAttributeKeysOnly(value) ? "a dict" : "a dict with keys other than attribute names";
    const kinds: Record<number, string> = {
      [OPAQUE]: "a value made while unpickling",
      [INT]: "an int",
      [TRUE]: "True",
      [FALSE]: "False",
      [FLOAT]: "a float",
      [NONE]: "None",
      [LIST]: "a list",
      [SET]: "a set",
      [STORAGE]: "a persistent object",
    };
    return kinds[value] ?? "an object";
  }
}

function show(expr: TypeExpr): string {
  if (typeof expr === "string") return expr;
  if ("anyOf" in expr) return expr.anyOf.map(show).join("|");
  if ("tuple" in expr) return `(${expr.tuple.map(show).join(", ")})`;
  if ("tupleOf" in expr) return `(${show(expr.tupleOf)}, ...)`;
  if ("equals" in expr) return JSON.stringify(expr.equals);
  if ("bytesEqual" in expr) return `b${JSON.stringify(expr.bytesEqual)}`;
  if ("pattern" in expr) return `/${expr.pattern}/`;
  if ("record" in expr)
    return `{${Object.entries(expr.record)
      .map(([key, type]) => `${JSON.stringify(key)}: ${show(type)}`)
      .join(", ")}}`;
  return expr.global.join("|");
}
