// The single place where entry documents are checked against the contract and Zod's issues are turned
// into messages people can act on: path, what was expected, what was found.
import type { z } from "zod";
import { authoringEntry, type Entry } from "./entry.ts";

export interface ContractProblem {
  /** JSON path, e.g. "source.url" or "compatibility.linux-x86_64-cuda.evidence[0].date". */
  path: string;
  message: string;
  expected?: string;
  found?: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "(root)";
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = doc;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toProblem(issue: z.core.$ZodIssue, doc: unknown): ContractProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: "unknown field (a typo? the contract page lists the fields)",
      expected: "no such field",
      found: describeValue(valueAt(doc, [...issue.path, key])),
    }));
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // Report the branch that got furthest rather than "invalid input".
    const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    if (best.length > 0) return best.flatMap((sub) => toProblem({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue, doc));
  }
  const found = valueAt(doc, issue.path);
  const expected =
    issue.code === "invalid_type" ? issue.expected
    : issue.code === "invalid_value" ? issue.values.map((v) => JSON.stringify(v)).join(" | ")
    : undefined;
  return [
    {
      path: formatPath(issue.path),
      message: found === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value") ? "required field is missing" : issue.message,
      ...(expected ? { expected } : {}),
      found: describeValue(found),
    },
  ];
}

/** Zod's issues for `doc` as located, readable problems. */
export function problemsFromZod(error: z.ZodError, doc: unknown): ContractProblem[] {
  return error.issues.flatMap((issue) => toProblem(issue, doc));
}

export type ParseResult = { ok: true; entry: Entry } | { ok: false; problems: ContractProblem[] };

/** Checks a parsed JSON document against the strict (authoring) contract. */
export function parseEntry(doc: unknown): ParseResult {
  const result = authoringEntry.safeParse(doc);
  if (result.success) return { ok: true, entry: result.data };
  return { ok: false, problems: problemsFromZod(result.error, doc) };
}

export function formatProblem(p: ContractProblem): string {
  const parts = [`${p.path}: ${p.message}`];
  if (p.expected) parts.push(`expected ${p.expected}`);
  if (p.found !== undefined) parts.push(`found ${p.found}`);
  return parts.join("; ");
}
