// The reviewed globals of allowlist.json, compiled for the static scan. The same file, passed in the spec,
// drives the loader inside the sandbox (tooling/python/guarded_unpickler.py), so the two cannot disagree on
// what is allowed: a global is acceptable only if the list says so, and how it may be used.
import allowlist from "./allowlist.json" with { type: "json" };

/** How an allowed global may be used while unpickling. */
export type Use =
  /** Imported, stored and called (constructors of plain data, torch's rebuild functions, reviewed classes). */
  | "call"
  /** Imported and stored, never called. */
  | "reference"
  /** Called only in the narrow form the list describes (getattr, type, getitem); its results are never called. */
  | "narrow";

export interface Allowed {
  use: Use;
  why: string;
}

/** The list as the loader receives it (the JSON file itself). */
export const allowlistDocument = allowlist;

/** The document with more packages whose classes may be unpickled (packages the user reviewed, e.g. their own model code). */
export function allowlistWith(extraPackages: readonly string[]): typeof allowlist {
  if (extraPackages.length === 0) return allowlist;
  const added = Object.fromEntries(extraPackages.map((pkg) => [pkg, "a package the user reviewed (--allow-package)"]));
  return { ...allowlist, classPackages: { ...allowlist.classPackages, ...added } };
}

function patternRegExp(pattern: string): RegExp {
  const alternatives = pattern.split("|").map((p) => p.replace(/[.+?^${}()[\]\\]/g, "\\$&").replace(/\*/g, ".*"));
  return new RegExp(`^(?:${alternatives.join("|")})$`);
}

const exact = new Map<string, Allowed>([
  ...Object.entries(allowlist.callable).map(([name, why]) => [name, { use: "call", why }] as const),
  ...Object.entries(allowlist.reference).map(([name, why]) => [name, { use: "reference", why }] as const),
  ...Object.entries(allowlist.narrow).map(([name, why]) => [name, { use: "narrow", why }] as const),
]);
const referencePatterns = Object.entries(allowlist.referencePatterns).map(([pattern, why]) => [patternRegExp(pattern), why] as const);
const classPackages = Object.entries(allowlist.classPackages);

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
  if (pkg) return { use: "call", why: `a class of ${pkg[0]}: ${pkg[1]}` };
  const extra = extraPackages.find(inPackage);
  return extra ? { use: "call", why: `a class of ${extra}, a package allowed for this run` } : undefined;
}
