// The scan's reading of the reviewed rules (allowlist.json): whether what a pickle does with the globals it
// imports is what the list allows. A call's arguments against the callable's signatures, BUILD's object and
// state, the containers items are added to, the persistent ids. The loader (guarded_unpickler.py) checks the
// same rules on the values themselves; here they are checked on what the walk knows of each value (values.ts),
// and anything it cannot know where a rule needs it counts against the pickle.
import { allowlistDocument, buildRules, containerRules, globRegExp, persistentIdType, typeDefinitions, type Allowed, type Signature, type TypeExpr } from "./allowlist.ts";
import { decodeStrValue } from "./strings.ts";
import {
  BYTES, DICT_UNTRACKED, FALSE, FLOAT, INT, LIST, NONE, OPAQUE, SET, STORAGE, TRUE,
  globalIndex, isBytesLiteral, isDict, isEncoded, isGlobal, isInt, isResult, isSmallInt, isStrLiteral, isTrackedDict, isTuple,
  knownBytes, resultOf, smallIntValue, type Values, ENCODED_TAG, RESULT_TAG,
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

/** The builtin types of allowlist.json this interpreter implements (#fits); the list may name no other. */
export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  "any", "none", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "set", "storage", "storage-type",
  "hooks", "rebuild-args", "tensor-state", "tensor-metadata", "attributes", "annotation",
]);
const unimplemented = Object.keys(allowlistDocument.builtinTypes).filter((name) => !BUILTIN_TYPES.has(name));
if (unimplemented.length > 0) throw new Error(`tooling/pickle/allowlist.json: builtin types the scan does not implement: ${unimplemented.join(", ")}`);

/** Violations kept for the report; the count goes on. */
const KEPT = 10;
/** Typing keys nest (Union[(A, (B, C))]); deeper than this is no real pickle. */
const MAX_DEPTH = 8;

const globRegExps = new Map<string, RegExp>();
const globMatches = (pattern: string, name: string) => {
  let re = globRegExps.get(pattern);
  if (!re) globRegExps.set(pattern, (re = globRegExp(pattern)));
  return re.test(name);
};
const patternRegExps = new Map<string, RegExp>();

export class Usage {
  readonly #ctx: UsageContext;
  /** One line per violation (the first KEPT), offset included. */
  readonly violations: string[] = [];
  count = 0;

  constructor(ctx: UsageContext) {
    this.#ctx = ctx;
  }

  /**
   * A call of the k-th global (REDUCE, OBJ, INST; NEWOBJ and NEWOBJ_EX as `newObject`) with `args` (undefined:
   * not known). Returns the value the call leaves on the stack.
   */
  call(index: number, args: readonly number[] | undefined, offset: number, newObject: "NEWOBJ" | "NEWOBJ_EX" | undefined = undefined): number {
    const allowed = this.#ctx.globalUse(index);
    const rule = allowed?.rule;
    if (!rule) return RESULT_TAG - index; // not callable: judged by its global (verdict.ts)
    const name = this.#ctx.globalName(index);
    if (rule.anyArguments) return RESULT_TAG - index;
    if (newObject) {
      // Real pickles make only objects of classes with NEWOBJ; everything else on the list is pickled with REDUCE.
      this.#violation(`${name} at byte ${offset}: made with ${newObject}; only classes of reviewed packages are`);
    } else if (!args) {
      this.#violation(`${name} at byte ${offset}: its arguments are not built just before the call, so they cannot be checked`);
    } else if (!rule.signatures.some((s) => this.#fitsSignature(args, s))) {
      this.#violation(`${name} at byte ${offset}: ${this.#mismatch(args, rule.signatures)}`);
    }
    // _codecs.encode(text, "latin1") is how protocol 2 writes bytes: keep which text, for bytesEqual.
    if (name === "_codecs.encode" && args && args[0] !== undefined && isStrLiteral(this.#ctx.bytes, args[0])) return ENCODED_TAG - args[0];
    return RESULT_TAG - index;
  }

  /** BUILD: `state` set on `target`. */
  build(target: number, state: number, offset: number): void {
    const kind = this.#resultType(target);
    const rule = kind === undefined ? undefined : buildRules.get(kind);
    if (!rule) {
      this.#violation(`BUILD at byte ${offset}: sets state on ${this.#describe(target)}; only on ${[...buildRules.keys()].join(", ")} objects made by this pickle`);
      return;
    }
    if (!this.#fits(state, rule.state, [], 0)) this.#violation(`BUILD at byte ${offset}: the state of ${kind} is ${this.#describe(state)}, not ${rule.state}`);
  }

  /** SETITEM(S), APPEND(S), ADDITEMS on `target`. */
  container(op: ContainerOp, target: number, offset: number): void {
    const allowed = containerRules[op];
    if (!allowed.some((type) => this.#fits(target, type, [], 0))) {
      this.#violation(`${op.toUpperCase()} at byte ${offset}: adds items to ${this.#describe(target)}; only to ${allowed.join(", ")}`);
    }
  }

  /** PERSID/BINPERSID with the id `value`. */
  persistentId(value: number, offset: number): void {
    if (!this.#fits(value, persistentIdType, [], 0)) this.#violation(`persistent id at byte ${offset}: ${this.#describe(value)}, not a ${persistentIdType}`);
  }

  #violation(line: string): void {
    if (this.count++ < KEPT) this.violations.push(line);
  }

  /** The type of what a call returned (its callable's `returns`), when `value` is such a result. */
  #resultType(value: number): string | undefined {
    return isResult(value) ? this.#ctx.globalUse(resultOf(value))?.rule?.returns : undefined;
  }

  #fitsSignature(args: readonly number[], signature: Signature): boolean {
    const { params, rest } = signature;
    if (args.length < params.length || (args.length > params.length && rest === undefined)) return false;
    return args.every((arg, i) => this.#fits(arg, i < params.length ? params[i]! : rest!, args, 0));
  }

  #mismatch(args: readonly number[], signatures: readonly Signature[]): string {
    const shapes = signatures.map((s) => `(${[...s.params.map(show), ...(s.rest === undefined ? [] : [`${show(s.rest)}...`])].join(", ")})`);
    const same = signatures.find((s) => s.params.length === args.length || (s.rest !== undefined && args.length >= s.params.length));
    if (same) {
      const i = args.findIndex((arg, i) => !this.#fits(arg, i < same.params.length ? same.params[i]! : same.rest!, args, 0));
      if (i >= 0) return `argument ${i + 1} is ${this.#describe(args[i]!)}, where the list allows ${shapes.join(" or ")}`;
    }
    return `called with ${args.length} argument${args.length === 1 ? "" : "s"}; the list allows ${shapes.join(" or ")}`;
  }

  /** Whether `value` is of type `expr`; `args` are the call's arguments (for rebuild-args). */
  #fits(value: number, expr: TypeExpr, args: readonly number[], depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const bytes = this.#ctx.bytes;
    if (typeof expr !== "string") {
      if ("anyOf" in expr) return expr.anyOf.some((e) => this.#fits(value, e, args, depth + 1));
      if ("tuple" in expr || "tupleOf" in expr) {
        const items = this.#ctx.values.tupleItems(value);
        if (!items) return false;
        if ("tupleOf" in expr) return items.every((item) => this.#fits(item, expr.tupleOf, args, depth + 1));
        return items.length === expr.tuple.length && items.every((item, i) => this.#fits(item, expr.tuple[i]!, args, depth + 1));
      }
      if ("equals" in expr) {
        const want = expr.equals;
        if (want === null) return value === NONE;
        if (want === true || want === false) return value === (want ? TRUE : FALSE);
        if (typeof want === "number") return isSmallInt(value) && smallIntValue(value) === want;
        return isStrLiteral(bytes, value) && decodeStrValue(bytes, value) === want;
      }
      if ("bytesEqual" in expr) {
        const known = knownBytes(bytes, value);
        return known !== undefined && known.length === expr.bytesEqual.length && known.every((b, i) => b === expr.bytesEqual.charCodeAt(i));
      }
      if ("pattern" in expr) {
        if (!isStrLiteral(bytes, value)) return false;
        let re = patternRegExps.get(expr.pattern);
        if (!re) patternRegExps.set(expr.pattern, (re = new RegExp(expr.pattern, "u")));
        const text = decodeStrValue(bytes, value);
        return text !== undefined && re.test(text);
      }
      return isGlobal(value) && expr.global.some((pattern) => globMatches(pattern, this.#ctx.globalName(globalIndex(value))));
    }
    // A named type: the result of a call that returns it, or what the name says.
    if (this.#resultType(value) === expr) return true;
    const defined = typeDefinitions.get(expr);
    if (defined !== undefined) return this.#fits(value, defined, args, depth + 1);
    switch (expr) {
      case "any": return true;
      case "none": return value === NONE;
      case "bool": return value === TRUE || value === FALSE;
      case "int": return isInt(value);
      case "float": return value === FLOAT;
      case "str": return isStrLiteral(bytes, value);
      case "bytes": return value === BYTES || isBytesLiteral(bytes, value) || isEncoded(value);
      case "list": return value === LIST;
      case "tuple": return isTuple(value);
      case "dict": return isDict(value);
      case "set": return value === SET;
      case "storage": return value === STORAGE;
      case "storage-type": {
        if (!isGlobal(value)) return false;
        const index = globalIndex(value);
        return this.#ctx.globalUse(index)?.use === "reference" && this.#ctx.globalName(index).endsWith("Storage");
      }
      case "hooks": return this.#resultType(value) === "ordered-dict";
      case "attributes": return this.#ctx.values.hasAttributeKeysOnly(value);
      case "tensor-state": return value === NONE || this.#ctx.values.hasAttributeKeysOnly(value);
      case "tensor-metadata": return value === NONE || isDict(value);
      case "annotation": {
        if (isGlobal(value) || value === NONE) return true;
        const type = this.#resultType(value);
        if (type === "type" || type === "typing-alias") return true;
        const items = this.#ctx.values.tupleItems(value);
        return items !== undefined && items.every((item) => this.#fits(item, "annotation", args, depth + 1));
      }
      case "rebuild-args": {
        const func = args[0];
        const rule = func !== undefined && isGlobal(func) ? this.#ctx.globalUse(globalIndex(func))?.rule : undefined;
        const items = this.#ctx.values.tupleItems(value);
        return rule !== undefined && !rule.anyArguments && items !== undefined && rule.signatures.some((s) => this.#fitsSignature(items, s));
      }
      default: return false;
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
    if (isTuple(value)) return this.#ctx.values.tupleItems(value) ? "a tuple" : "a tuple whose items are no longer known";
    if (isTrackedDict(value) || value === DICT_UNTRACKED) return this.#ctx.values.hasAttributeKeysOnly(value) ? "a dict" : "a dict with keys other than attribute names";
    const kinds: Record<number, string> = {
      [OPAQUE]: "a value made while unpickling", [INT]: "an int", [TRUE]: "True", [FALSE]: "False", [FLOAT]: "a float", [NONE]: "None",
      [LIST]: "a list", [SET]: "a set", [STORAGE]: "a persistent object",
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
  return expr.global.join("|");
}

