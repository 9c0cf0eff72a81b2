// The globals a walk has met, named as CPython's unpickler would import them, plus the names
// torch's weights_only unpickler would check (it maps Python 2 names under other rules).
import { fixImports } from "./compat-names.ts";
import { DYNAMIC, EXTENSION_MODULE, EXTENSION_PREFIX, type ScannedGlobal } from "./verdict.ts";

export class GlobalsFound {
  readonly #byKey = new Map<string, ScannedGlobal>();
  readonly #weightsOnlyNames = new Set<string>();

  /** A GLOBAL, INST or STACK_GLOBAL while the pickle's protocol (its last PROTO) is `protocol`. */
  add(rawModule: string, rawName: string, protocol: number): void {
    const dynamic = rawModule === DYNAMIC || rawName === DYNAMIC;
    const [module, name] = dynamic ? [rawModule, rawName] : fixImports(rawModule, rawName, protocol);
    this.#remember(module, name);
    // torch's restricted unpickler renames Python 2 globals only when the protocol is exactly 2.
    this.#weightsOnlyNames.add(protocol === 2 ? `${module}.${name}` : `${rawModule}.${rawName}`);
  }

  /** EXT1/2/4: the registry entry exists only inside the loading process. */
  addExtension(code: number): void {
    const name = `${EXTENSION_PREFIX}${code}`;
    this.#remember(EXTENSION_MODULE, name);
    this.#weightsOnlyNames.add(`${EXTENSION_MODULE}.${name}`);
  }

  get globals(): ScannedGlobal[] {
    return [...this.#byKey.values()];
  }

  get weightsOnlyNames(): ReadonlySet<string> {
    return this.#weightsOnlyNames;
  }

  #remember(module: string, name: string): void {
    const key = `${module}\n${name}`;
    if (!this.#byKey.has(key)) this.#byKey.set(key, { module, name });
  }
}
