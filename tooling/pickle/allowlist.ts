// The reviewed rules of allowlist.json, checked (allowlist-schema.ts) and compiled for the static scan. The
// same file, passed in the spec, drives the loader inside the sandbox (tooling/python/guarded_unpickler.py), so
// the two read one rule set: which globals, called with which arguments, which objects may get state, and how.
import document from "./allowlist.json" with { type: "json" };
import { parseAllowlist, type AllowlistDocument, type TypeExpr } from "./allowlist-schema.ts";

export type { AllowlistDocument, TypeExpr } from "./allowlist-schema.ts";

/** How an allowed global may be used while unpickling. */
export type Use =
  /** Imported, stored and called with arguments its signatures accept (constructors of plain data, torch's rebuild functions, reviewed classes). */
  | "call"
  /** Imported and stored, never called. */
  | "reference"
  /** Called only in the narrow form its signatures give (getattr, type, getitem); its results are never called. */
  | "narrow";

/** One argument list a callable accepts; `rest` types any further arguments. */
export interface Signature {
  params: readonly TypeExpr[];
  rest?: TypeExpr;
}

export interface CallRule {
  signatures: readonly Signature[];
  /** The type of what the call returns: what a later argument or BUILD may require. */
  returns: string;
  /** A class of a reviewed package: any arguments (its own code receives them). */
  anyArguments?: boolean;
}

export interface Allowed {
  use: Use;
  why: string;
  /** How it may be called (absent for references). */
  rule?: CallRule;
}

/** The list as the loader receives it (the JSON file itself), checked. */
export const allowlistDocument: AllowlistDocument = parseAllowlist(document, "tooling/pickle/allowlist.json");

/**
 * The document with more packages whose classes may be unpickled (packages the user reviewed, e.g. their own
 * model code), including the classes' own __setstate__.
 */
export function allowlistWith(extraPackages: readonly string[]): AllowlistDocument {
  if (extraPackages.length === 0) return allowlistDocument;
  const why = "a package the user reviewed (--allow-package)";
  return {
    ...allowlistDocument,
    classPackages: { ...allowlistDocument.classPackages, ...Object.fromEntries(extraPackages.map((pkg) => [pkg, why])) },
    setstate: { ...allowlistDocument.setstate, ...Object.fromEntries(extraPackages.map((pkg) => [`${pkg}.*`, { why }])) },
  };
}

/** A glob over dotted names: '*' matches any characters, '|' separates alternatives. */
export function globRegExp(pattern: string): RegExp {
  const alternatives = pattern.split("|").map((p) => p.replace(/[.+?^${}()[\]\\]/g, "\\$&").replace(/\*/g, ".*"));
  return new RegExp(`^(?:${alternatives.join("|")})$`);
}

function compileSignatures(rule: { signatures: ReadonlyArray<ReadonlyArray<TypeExpr | { rest: TypeExpr }>>; returns: string }): CallRule {
  const signatures = rule.signatures.map((args) => {
    const last = args[args.length - 1];
    if (last !== undefined && typeof last === "object" && "rest" in last) return { params: args.slice(0, -1) as TypeExpr[], rest: last.rest };
    return { params: args as TypeExpr[] };
  });
  return { signatures, returns: rule.returns };
}

const exact = new Map<string, Allowed>([
  ...Object.entries(allowlistDocument.callable).map(([name, rule]) => [name, { use: "call", why: rule.why, rule: compileSignatures(rule) }] as const),
  ...Object.entries(allowlistDocument.reference).map(([name, why]) => [name, { use: "reference", why }] as const),
  ...Object.entries(allowlistDocument.narrow).map(([name, rule]) => [name, { use: "narrow", why: rule.why, rule: compileSignatures(rule) }] as const),
]);
const referencePatterns = Object.entries(allowlistDocument.referencePatterns).map(([pattern, why]) => [globRegExp(pattern), why] as const);
const classPackages = Object.entries(allowlistDocument.classPackages);
const classRule: CallRule = { signatures: [], returns: allowlistDocument.classReturns, anyArguments: true };

/** A class by the naming of Python code: a public CamelCase name, reached directly from its module. */
const className = /^[A-Z][A-Za-z0-9]*$/;

/**
 * What the list allows for `module.name` (Python 2 names already mapped), or undefined. A class of a reviewed
 * package qualifies by its name here; the loader checks that it really is a class.
 */
export function allowedUse(module: string, name: string, extraPackages: readonly string[] = []): Allowed | undefined {
  const global = `${module}.${name}`;
  const listed = exact.get(global);
  if (listed) return listed;
  for (const [pattern, why] of referencePatterns) if (pattern.test(global)) return { use: "reference", why };
  if (!className.test(name)) return undefined;
  if (module.split(".").some((part) => part.startsWith("_"))) return undefined;
  const inPackage = (prefix: string) => module === prefix || module.startsWith(`${prefix}.`);
  const pkg = classPackages.find(([prefix]) => inPackage(prefix));
  if (pkg) return { use: "call", why: `a class of ${pkg[0]}: ${pkg[1]}`, rule: classRule };
  const extra = extraPackages.find(inPackage);
  return extra ? { use: "call", why: `a class of ${extra}, a package allowed for this run`, rule: classRule } : undefined;
}

/** The composite types, by name. */
export const typeDefinitions: ReadonlyMap<string, TypeExpr> = new Map(Object.entries(allowlistDocument.types).map(([name, { is }]) => [name, is]));

/** What BUILD may be applied to (by the type of the object) and with which state. */
export const buildRules: ReadonlyMap<string, { state: string; why: string }> = new Map(Object.entries(allowlistDocument.build));

/** The types of objects SETITEM(S), APPEND(S) and ADDITEMS may add items to. */
export const containerRules = allowlistDocument.containers;

/** The type a persistent id must have. */
export const persistentIdType = allowlistDocument.persistentId;
