// Static analysis of a pickle (a torch checkpoint's data.pkl) without unpickling it: which globals
// it imports, which packages those need, whether torch's weights_only loader could take it, and a
// verdict. Never imports or calls anything; time and memory are linear in the input and bounded.
import { isStdlibModule } from "./stdlib-modules.ts";
import { DYNAMIC, EXTENSION_MODULE, EXTENSION_PREFIX, judgeGlobals, type ScannedGlobal, type Verdict } from "./verdict.ts";
import { walk, type WalkLimits } from "./walk.ts";
import { isWeightsOnlyGlobal } from "./weights-only.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";

export { PickleScanError, type PickleScanErrorCode } from "./errors.ts";
export type { Verdict } from "./verdict.ts";

export type PickleScanOptions = {
  /** Opcodes to run before giving up (default 50 million). */
  maxOps?: number;
  /** Stack items, and separately open MARKs, allowed at once (default 10 million). */
  maxStackDepth?: number;
  /** Distinct memo keys allowed (default 10 million). */
  maxMemo?: number;
  /** Packages whose public classes are acceptable besides the reviewed list's (--allow-package). */
  allowPackages?: readonly string[];
};

export const DEFAULT_SCAN_LIMITS: Readonly<WalkLimits> = { maxOps: 50_000_000, maxStackDepth: 10_000_000, maxMemo: 10_000_000 };

export type PickleScan = {
  /** The PROTO opcode's protocol; undefined for protocols 0 and 1, which start without one. */
  protocol: number | undefined;
  /**
   * Every global the unpickler would import, as "module.name" after Python 2 name fixes
   * (`__builtin__.getattr` becomes `builtins.getattr` below protocol 3), unique, sorted by code
   * point. EXT opcodes appear as "copyreg.extension_code:<n>", names computed at load time as
   * "<dynamic>".
   */
  globals: string[];
  /**
   * Top-level packages an environment needs to unpickle: the first component of every global's
   * module, less Python's standard library (builtins, collections, _codecs... every Python has
   * them). "__main__" stays: it names the script that saved the pickle.
   */
  modules: string[];
  /** Every global is in torch's default weights_only allowlist (a necessary condition only). */
  weightsOnlyLoadable: boolean;
  /**
   * safe: every global reviewed (tooling/pickle/allowlist.json) and used as reviewed (called with arguments its
   * signatures accept, BUILD and added items only where the list allows); unreviewed; dangerous.
   */
  verdict: Verdict;
  /** The globals behind the verdict (the dangerous ones, or else the unreviewed ones), sorted. */
  flagged: string[];
  /** Why each flagged global is flagged, one line each, in the order of `flagged`. */
  reasons: string[];
  /** PERSID and BINPERSID opcodes run: in a torch checkpoint, one per tensor storage reference. */
  persistentIds: number;
  /** Opcodes run, STOP included. */
  opcodes: number;
  /** Bytes after the first STOP (a stream may hold several pickles; torch's data.pkl holds one). */
  trailingBytes: number;
};

export function scanPickle(bytes: Uint8Array, options: PickleScanOptions = {}): PickleScan {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("scanPickle: bytes must be a Uint8Array");
  const limits = normalizeLimits(options);
  const { protocol, found, usage, persistentIds, opcodes, end } = walk(bytes, limits, options.allowPackages);
  const scanned = found.globals;
  const judged = judgeGlobals(
    scanned,
    { isCalled: (i) => found.isCalled(i), computedCalls: found.computedCalls, usageViolations: usage.violations, usageCount: usage.count },
    formatGlobal,
    options.allowPackages,
  );
  const order = judged.flagged.map((name, i) => [name, judged.reasons[i]!] as const).sort(([a], [b]) => byCodePoint(a, b));
  return {
    protocol,
    globals: sortedUnique(scanned.map(formatGlobal)),
    modules: sortedUnique(scanned.map(topLevelModule).filter((m) => m !== undefined && !isStdlibModule(m)) as string[]),
    weightsOnlyLoadable: [...found.weightsOnlyNames].every(isWeightsOnlyGlobal),
    verdict: judged.verdict,
    flagged: order.map(([name]) => name),
    reasons: order.map(([, reason]) => reason),
    persistentIds,
    opcodes,
    trailingBytes: bytes.length - end,
  };
}

function normalizeLimits(options: PickleScanOptions): WalkLimits {
  const limits = { ...DEFAULT_SCAN_LIMITS };
  for (const key of Object.keys(limits) as (keyof WalkLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`scanPickle: ${key} must be a positive integer (got ${value})`);
    limits[key] = value;
  }
  return limits;
}

const formatGlobal = ({ module, name }: ScannedGlobal) => `${module}.${name}`;

function topLevelModule({ module, name }: ScannedGlobal): string | undefined {
  if (module === DYNAMIC || (module === EXTENSION_MODULE && name.startsWith(EXTENSION_PREFIX))) return undefined;
  return module.split(".")[0];
}

/** Unique, sorted by Unicode code point (JavaScript's default sort compares UTF-16 units). */
function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort(byCodePoint);
}
