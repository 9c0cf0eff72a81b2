// The shape of allowlist.json, and the checks a schema cannot express (every type named is defined, a
// rest argument comes last, each pattern compiles), so that a wrong edit of the reviewed list fails when the
// registry starts, naming the field, rather than letting the scan and the loader read it differently.
import { z } from "zod";
import { errorMessage } from "../../src/errors.ts";

/**
 * A type: a name (builtinTypes, types, a callable's `returns`, or classReturns), or an expression. Both the
 * scan and the loader interpret exactly these forms. A record is a dict the pickle wrote with exactly the keys
 * given (str), each value of its type: it names its keys, so unlike "attributes" it may name a dunder one.
 */
export type TypeExpr =
  | string
  | { anyOf: TypeExpr[] }
  | { tuple: TypeExpr[] }
  | { tupleOf: TypeExpr }
  | { equals: number | string | boolean | null }
  | { bytesEqual: string }
  | { pattern: string }
  | { global: string[] }
  | { record: { [key: string]: TypeExpr } };

/** Keys a record may name: the scan keeps the items of at most this many per dict (values.ts). */
export const RECORD_KEYS_MAX = 4;

const typeName = z.string().regex(/^[a-z][a-z0-9-]*$/, "a type name: lower case words joined by '-'");
const globalName = z.string().regex(/^[A-Za-z_][\w.*]*$/, "a dotted global name, '*' matching any characters");

// Recursive through getters, which Zod 4 reads when it first parses (the bundled command line's Zod has no lazy).
export const typeExpr: z.ZodType<TypeExpr> = z.union([
  typeName,
  z.strictObject({
    get anyOf() {
      return z.array(typeExpr).min(2);
    },
  }),
  z.strictObject({
    get tuple() {
      return z.array(typeExpr);
    },
  }),
  z.strictObject({
    get tupleOf() {
      return typeExpr;
    },
  }),
  z.strictObject({ equals: z.union([z.number().int(), z.string(), z.boolean(), z.literal(null)]) }),
  z.strictObject({ bytesEqual: z.string().regex(/^[\x00-\xff]*$/, "latin-1 text") }),
  z.strictObject({ pattern: z.string() }),
  z.strictObject({ global: z.array(globalName).min(1) }),
  z.strictObject({
    get record() {
      return z
        .record(z.string().min(1), typeExpr)
        .refine((keys) => Object.keys(keys).length >= 1 && Object.keys(keys).length <= RECORD_KEYS_MAX, `from 1 to ${RECORD_KEYS_MAX} keys`);
    },
  }),
]);

const argument = z.union([typeExpr, z.strictObject({ rest: typeExpr })]);
const why = z.string().min(1);
const callRule = z.strictObject({ why, signatures: z.array(z.array(argument)).min(1), returns: typeName });

export const allowlistSchema = z.strictObject({
  $comment: z.string(),
  version: z.literal(2),
  builtinTypes: z.record(typeName, why),
  types: z.record(typeName, z.strictObject({ why, is: typeExpr })),
  callable: z.record(globalName, callRule),
  narrow: z.record(globalName, callRule),
  reference: z.record(globalName, why),
  referencePatterns: z.record(z.string(), why),
  classPackages: z.record(z.string().regex(/^[A-Za-z_][\w.]*$/), why),
  classReturns: typeName,
  build: z.record(typeName, z.strictObject({ why, state: typeName, mayReplaceMethods: z.array(z.string()).optional() })),
  setstate: z.record(globalName, z.strictObject({ why, disarm: z.array(globalName).optional() })),
  containers: z.strictObject({ setitems: z.array(typeName), appends: z.array(typeName), additems: z.array(typeName) }),
  persistentId: typeName,
});

export type AllowlistDocument = z.output<typeof allowlistSchema>;

/** The names of all types the document defines: builtin, composite, and the results of calls. */
export function definedTypes(doc: AllowlistDocument): Set<string> {
  const results = [...Object.values(doc.callable), ...Object.values(doc.narrow)].map((rule) => rule.returns);
  return new Set([...Object.keys(doc.builtinTypes), ...Object.keys(doc.types), ...results, doc.classReturns]);
}

function* namesIn(expr: TypeExpr): Generator<string> {
  if (typeof expr === "string") yield expr;
  else if ("anyOf" in expr) for (const e of expr.anyOf) yield* namesIn(e);
  else if ("tuple" in expr) for (const e of expr.tuple) yield* namesIn(e);
  else if ("tupleOf" in expr) yield* namesIn(expr.tupleOf);
  else if ("record" in expr) for (const e of Object.values(expr.record)) yield* namesIn(e);
}

function* patternsIn(expr: TypeExpr): Generator<string> {
  if (typeof expr === "string") return;
  if ("pattern" in expr) yield expr.pattern;
  else if ("anyOf" in expr) for (const e of expr.anyOf) yield* patternsIn(e);
  else if ("tuple" in expr) for (const e of expr.tuple) yield* patternsIn(e);
  else if ("tupleOf" in expr) yield* patternsIn(expr.tupleOf);
  else if ("record" in expr) for (const e of Object.values(expr.record)) yield* patternsIn(e);
}

/** Every place a type appears, with its path in the document. */
function* typeUses(doc: AllowlistDocument): Generator<[path: string, expr: TypeExpr]> {
  for (const [name, { is }] of Object.entries(doc.types)) yield [`types.${name}.is`, is];
  for (const section of ["callable", "narrow"] as const) {
    for (const [name, rule] of Object.entries(doc[section])) {
      for (const [s, signature] of rule.signatures.entries()) {
        for (const [a, arg] of signature.entries()) {
          const path = `${section}.${name}.signatures[${s}][${a}]`;
          if (typeof arg === "object" && "rest" in arg) {
            if (a !== signature.length - 1) throw new Error(`${path}: a rest argument must come last`);
            yield [`${path}.rest`, arg.rest];
          } else yield [path, arg];
        }
      }
    }
  }
  for (const [name, rule] of Object.entries(doc.build)) {
    yield [`build.${name}`, name];
    yield [`build.${name}.state`, rule.state];
  }
  for (const [op, names] of Object.entries(doc.containers)) for (const [i, n] of names.entries()) yield [`containers.${op}[${i}]`, n];
  yield ["persistentId", doc.persistentId];
}

/** Parses and checks a reviewed list; throws an Error naming the field at fault. */
export function parseAllowlist(value: unknown, source: string): AllowlistDocument {
  const parsed = allowlistSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join(".") || "(document)"}: ${issue.message}`);
  }
  const doc = parsed.data;
  const defined = definedTypes(doc);
  for (const [path, expr] of typeUses(doc)) {
    for (const name of namesIn(expr))
      if (!defined.has(name)) throw new Error(`${source}: ${path}: unknown type "${name}" (not in builtinTypes, types, or any callable's returns)`);
    for (const pattern of patternsIn(expr)) {
      try {
        new RegExp(pattern, "u");
      } catch (error) {
        throw new Error(`${source}: ${path}: pattern ${JSON.stringify(pattern)} does not compile: ${errorMessage(error)}`);
      }
    }
  }
  // A type defined through itself would send both interpreters round for ever.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string): void => {
    if (done.has(name) || !Object.hasOwn(doc.types, name)) return;
    if (visiting.has(name)) throw new Error(`${source}: ${path}: type "${name}" is defined through itself`);
    visiting.add(name);
    for (const inner of namesIn(doc.types[name]!.is)) visit(inner, `types.${name}.is`);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(doc.types)) visit(name, `types.${name}`);
  return doc;
}
