// The globals a walk has met, named as CPython's unpickler would import them, plus the names torch's
// weights_only unpickler would check (it maps Python 2 names under other rules); and which of them the
// pickle calls, for an allowlist that lets some globals be stored but never called.
import { fixImports } from "./compat-names.ts";
import { TUPLE_TAG } from "./machine.ts";
import { decodeStrValue } from "./strings.ts";
import { DYNAMIC, EXTENSION_MODULE, EXTENSION_PREFIX, type ScannedGlobal } from "./verdict.ts";

/** Stack values at or below this (and above TUPLE_TAG) stand for a global: GLOBAL_TAG - k is the k-th distinct global. */
export const GLOBAL_TAG = -16;

/** The narrow forms of allowlist.json's "narrow" globals, checked where the arguments are known. */
type Narrow = "getattr" | "type" | "getitem";
const narrowGlobals: Readonly<Record<string, Narrow>> = {
  "builtins.getattr": "getattr",
  "builtins.type": "type",
  "_operator.getitem": "getitem",
  "operator.getitem": "getitem",
};
const publicName = /^[A-Za-z][A-Za-z0-9_]*$/;

export class GlobalsFound {
  readonly #byKey = new Map<string, number>();
  readonly #list: ScannedGlobal[] = [];
  readonly #called: boolean[] = [];
  readonly #narrow: Array<Narrow | undefined> = [];
  /** Narrow globals called in another form than the list allows: one line each. */
  readonly narrowViolations: string[] = [];
  readonly #weightsOnlyNames = new Set<string>();
  /** Calls whose callable is no global but a value made while unpickling (a getattr result, a call's result). */
  computedCalls = 0;
  /** Offset of the first such call. */
  firstComputedCall: number | undefined;

  /** A GLOBAL, INST or STACK_GLOBAL while the pickle's protocol (its last PROTO) is `protocol`; returns its stack tag. */
  add(rawModule: string, rawName: string, protocol: number): number {
    const dynamic = rawModule === DYNAMIC || rawName === DYNAMIC;
    const [module, name] = dynamic ? [rawModule, rawName] : fixImports(rawModule, rawName, protocol);
    // torch's restricted unpickler renames Python 2 globals only when the protocol is exactly 2.
    this.#weightsOnlyNames.add(protocol === 2 ? `${module}.${name}` : `${rawModule}.${rawName}`);
    return this.#remember(module, name);
  }

  /** EXT1/2/4: the registry entry exists only inside the loading process. */
  addExtension(code: number): number {
    const name = `${EXTENSION_PREFIX}${code}`;
    this.#weightsOnlyNames.add(`${EXTENSION_MODULE}.${name}`);
    return this.#remember(EXTENSION_MODULE, name);
  }

  /**
   * REDUCE, NEWOBJ, OBJ or INST called the stack value `callable` with the stack value `argsValue` (whose
   * items the machine knows when it is the tuple built last). A narrow global's form is checked here:
   * getattr(object, "public_name"), type(x), getitem(typing form, key).
   */
  call(callable: number, offset: number, argsValue: number, machine: { tupleItems(value: number): readonly number[] | undefined }, bytes: Uint8Array): void {
    if (callable > GLOBAL_TAG || callable <= TUPLE_TAG) {
      this.computedCalls++;
      this.firstComputedCall ??= offset;
      return;
    }
    const index = GLOBAL_TAG - callable;
    this.#called[index] = true;
    const narrow = this.#narrow[index];
    if (narrow === undefined) return;
    const problem = this.#narrowProblem(narrow, machine.tupleItems(argsValue), bytes);
    if (problem) this.narrowViolations.push(`${narrow} at byte ${offset}: ${problem}`);
  }

  #narrowProblem(narrow: Narrow, args: readonly number[] | undefined, bytes: Uint8Array): string | undefined {
    if (!args) return "its arguments are not built just before the call, so their form cannot be checked";
    const isGlobal = (v: number) => v <= GLOBAL_TAG && v > TUPLE_TAG;
    if (narrow === "type") return args.length === 1 ? undefined : `type() with ${args.length} arguments: only type(x)`;
    if (narrow === "getitem") {
      const container = args[0];
      const global = args.length === 2 && container !== undefined && isGlobal(container) ? this.#list[GLOBAL_TAG - container] : undefined;
      return global?.module === "typing" ? undefined : "getitem on something other than a typing form";
    }
    const [target, nameValue] = args;
    if (args.length !== 2 || target === undefined || nameValue === undefined) return `getattr with ${args.length} arguments: only getattr(object, "name")`;
    if (isGlobal(target)) return "getattr on a global (a module, class or function): only on objects made while unpickling";
    const name = nameValue >= 0 ? decodeStrValue(bytes, nameValue) : undefined;
    if (name === undefined) return "getattr of a name computed while unpickling";
    return publicName.test(name) ? undefined : `getattr of ${JSON.stringify(name.slice(0, 40))}: only public attribute names`;
  }

  get globals(): ScannedGlobal[] {
    return this.#list;
  }

  /** Whether the pickle calls the i-th global of `globals`. */
  isCalled(index: number): boolean {
    return this.#called[index] === true;
  }

  get weightsOnlyNames(): ReadonlySet<string> {
    return this.#weightsOnlyNames;
  }

  #remember(module: string, name: string): number {
    const key = `${module}\n${name}`;
    let index = this.#byKey.get(key);
    if (index === undefined) {
      index = this.#list.length;
      this.#byKey.set(key, index);
      this.#list.push({ module, name });
      this.#narrow.push(narrowGlobals[`${module}.${name}`]);
    }
    return GLOBAL_TAG - index;
  }
}
