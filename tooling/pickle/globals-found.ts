// The globals a walk has met, named as CPython's unpickler would import them, plus the names torch's
// weights_only unpickler would check (it maps Python 2 names under other rules); and which of them the
// pickle calls, for an allowlist that lets some globals be stored but never called. Calls are handed to the
// usage checks (usage.ts), which compare their arguments with the reviewed signatures.
import { allowedUse, type Allowed } from "./allowlist.ts";
import { fixImports } from "./compat-names.ts";
import { GLOBAL_TAG, GLOBALS_MAX, OPAQUE, isGlobal, globalIndex } from "./values.ts";
import { DYNAMIC, EXTENSION_MODULE, EXTENSION_PREFIX, type ScannedGlobal } from "./verdict.ts";
import type { Usage } from "./usage.ts";

export class GlobalsFound {
  readonly #byKey = new Map<string, number>();
  readonly #list: ScannedGlobal[] = [];
  readonly #names: string[] = [];
  readonly #called: boolean[] = [];
  readonly #uses: Array<Allowed | undefined | null> = [];
  readonly #weightsOnlyNames = new Set<string>();
  readonly #extraPackages: readonly string[];
  /** Calls whose callable is no global but a value made while unpickling (a getattr result, a call's result). */
  computedCalls = 0;
  /** Offset of the first such call. */
  firstComputedCall: number | undefined;
  /** Set by the walk once the usage checks exist (they need this object's names). */
  usage: Usage | undefined;

  readonly #limitExceeded: (detail: string) => Error;

  /** `limitExceeded` makes the error for a pickle naming more distinct globals than GLOBALS_MAX. */
  constructor(extraPackages: readonly string[], limitExceeded: (detail: string) => Error) {
    this.#extraPackages = extraPackages;
    this.#limitExceeded = limitExceeded;
  }

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
   * REDUCE, NEWOBJ, NEWOBJ_EX, OBJ or INST called the stack value `callable` with the tuple value `args`.
   * Returns the value the call leaves on the stack.
   */
  call(callable: number, offset: number, args: number, newObject?: "NEWOBJ" | "NEWOBJ_EX"): number {
    if (!isGlobal(callable)) {
      this.computedCalls++;
      this.firstComputedCall ??= offset;
      return OPAQUE;
    }
    const index = globalIndex(callable);
    this.#called[index] = true;
    return this.usage!.call(index, args, offset, newObject);
  }

  get globals(): ScannedGlobal[] {
    return this.#list;
  }

  /** "module.name" of the i-th global. */
  name(index: number): string {
    return this.#names[index]!;
  }

  /** What the reviewed list allows for the i-th global: nothing for computed names, extension codes or attribute paths. */
  use(index: number): Allowed | undefined {
    let use = this.#uses[index];
    if (use === undefined) {
      const { module, name } = this.#list[index]!;
      const unresolvable = module === DYNAMIC || name === DYNAMIC || (module === EXTENSION_MODULE && name.startsWith(EXTENSION_PREFIX)) || name.includes(".");
      use = (unresolvable ? undefined : allowedUse(module, name, this.#extraPackages)) ?? null;
      this.#uses[index] = use;
    }
    return use ?? undefined;
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
      if (this.#list.length >= GLOBALS_MAX) throw this.#limitExceeded(`more than ${GLOBALS_MAX} distinct globals`);
      index = this.#list.length;
      this.#byKey.set(key, index);
      this.#list.push({ module, name });
      this.#names.push(`${module}.${name}`);
    }
    return GLOBAL_TAG - index;
  }
}
