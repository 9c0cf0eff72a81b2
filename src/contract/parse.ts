// The single place where entry documents are checked against the contract and Zod's issues are turned
// into messages people can act on: path, what was expected, what was found.
import type { z } from "zod";
import { entrySchema, type Entry } from "./entry.ts";
import { closestName } from "./did-you-mean.ts";
import { knownKeysAt } from "./known-keys.ts";
import { describeValue, formatPath, type ContractProblem } from "./problem.ts";
import { illFormedString } from "../text/control.ts";

export { describeValue, formatPath, formatProblem, type ContractProblem } from "./problem.ts";

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = doc;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

function toProblem(issue: z.core.$ZodIssue, doc: unknown, schema: z.ZodType | undefined): ContractProblem[] {
  if (issue.code === "unrecognized_keys") {
    const known = schema ? knownKeysAt(schema, issue.path) : [];
    // A field written one level too high ("license" for "publication.license") is found among the children.
    const oneDown = schema ? known.flatMap((k) => knownKeysAt(schema, [...issue.path, k]).map((child) => `${k}.${child}`)) : [];
    return issue.keys.map((key) => {
      const meant = closestName(key, known) ?? oneDown.find((path) => path.endsWith(`.${key}`));
      return {
        path: formatPath([...issue.path, key]),
        message: meant ? `unknown field; did you mean "${meant}"?` : "unknown field (a typo? the contract page lists the fields)",
        expected: "no such field",
        found: describeValue(valueAt(doc, [...issue.path, key])),
      };
    });
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // Report the branch that got furthest rather than "invalid input".
    const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    if (best.length > 0) return best.flatMap((sub) => toProblem({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue, doc, schema));
  }
  if (issue.code === "invalid_key") {
    // A map key outside its pattern: say which key and what keys look like.
    const key = issue.path[issue.path.length - 1];
    const rule = issue.issues[0]?.message;
    return [
      {
        path: formatPath(issue.path),
        message: `key ${JSON.stringify(String(key))} is not allowed here`,
        ...(rule ? { expected: rule } : {}),
        found: JSON.stringify(String(key)),
      },
    ];
  }
  const found = valueAt(doc, issue.path);
  const expected =
    issue.code === "invalid_type" ? issue.expected : issue.code === "invalid_value" ? issue.values.map((v) => JSON.stringify(v)).join(" | ") : undefined;
  // Zod's own text for these repeats what `expected` and `found` say.
  const plain = issue.code === "invalid_type" ? "wrong type" : issue.code === "invalid_value" ? "not an accepted value" : issue.message;
  return [
    {
      path: formatPath(issue.path),
      message: found === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value") ? "required field is missing" : plain,
      ...(expected ? { expected } : {}),
      found: describeValue(found),
    },
  ];
}

/** Zod's issues for `doc` as located, readable problems; with `schema`, an unknown key gets the likely meant one. */
export function problemsFromZod(error: z.ZodError, doc: unknown, schema?: z.ZodType): ContractProblem[] {
  return error.issues.flatMap((issue) => toProblem(issue, doc, schema));
}

export type ParseResult = { ok: true; entry: Entry } | { ok: false; problems: ContractProblem[] };

/**
 * Every string of an entry, keys included, must be well-formed Unicode: a lone surrogate (a "\ud800" escape)
 * has no UTF-8 form, so a writer would replace it silently and readers in other languages fail on it. One check
 * of the whole document here stands for a rule on every string field of the contract.
 */
export function illFormedTextProblem(doc: unknown): ContractProblem | undefined {
  const found = illFormedString(doc);
  if (!found) return undefined;
  return {
    path: formatPath(found.path),
    message: `${found.inKey ? "the key" : "text"} holds a lone surrogate (${found.surrogate}): text must be well-formed Unicode`,
    expected: "well-formed Unicode (surrogates only in pairs)",
    ...(found.inKey ? {} : { found: describeValue(valueAt(doc, found.path)) }),
  };
}

/**
 * Checks a parsed JSON document against the strict (authoring) contract. `wellFormedText`: the caller has
 * already refused lone surrogates (parseJsonDocument does), so the document is not walked for them again.
 */
export function parseEntry(doc: unknown, options: { wellFormedText?: boolean } = {}): ParseResult {
  const schema = entrySchema("authoring");
  const result = schema.safeParse(doc);
  const text = options.wellFormedText ? undefined : illFormedTextProblem(doc);
  if (result.success && !text) return { ok: true, entry: result.data };
  return { ok: false, problems: [...(text ? [text] : []), ...(result.success ? [] : problemsFromZod(result.error, doc, schema))] };
}
