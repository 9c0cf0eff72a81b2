// Bounds on an entry file, checked before the contract: entries are hand-sized documents written by
// strangers in pull requests (and by the server from URLs strangers submit), so every size is capped and a
// value past a cap is a problem with its path, never a slow page or a stack overflow.
import { formatPath } from "../contract/problem.ts";
import { isJsonObject, jsonObject as asObject } from "../text/json-object.ts";

export const entryLimits = {
  /** Bytes of one entry file. */
  maxBytes: 16 * 1024 * 1024,
  /** Nesting of objects and arrays (a qube is about 12 deep; a nested model's one more). */
  maxDepth: 64,
  /** Characters of any string or key. */
  maxString: 64 * 1024,
};

/** Free text people read in the catalog and in FIAB gets shorter caps. */
export const freeTextLimits = {
  "display.name": 200,
  "display.author": 200,
  "display.description": 10_000,
  "display.comment": 10_000,
  "tags.*": 200,
  "compatibility.*.evidence[].summary": 2_000,
} as const;

export interface LimitProblem {
  path: string;
  message: string;
}

function capped(problems: LimitProblem[], path: PropertyKey[], value: unknown, cap: number): void {
  if (typeof value === "string" && value.length > cap)
    problems.push({ path: formatPath(path), message: `${value.length} characters, over the cap of ${cap} for this field` });
}

/**
 * Strings and keys over their caps, in document order; the depth was bounded by the structure scan. Given the
 * length of the document's text, a text no longer than the string cap is not walked: none of its strings can be.
 */
export function checkEntryLimits(doc: unknown, textLength = Number.POSITIVE_INFINITY): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const path: PropertyKey[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === "string") capped(problems, path, value, entryLimits.maxString);
    else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        visit(value[i]);
        path.pop();
      }
    } else if (isJsonObject(value)) {
      for (const key in value) {
        path.push(key);
        if (key.length > entryLimits.maxString)
          problems.push({ path: formatPath(path).slice(0, 80), message: `key of ${key.length} characters, over the cap of ${entryLimits.maxString}` });
        visit(value[key]);
        path.pop();
      }
    }
  };
  if (textLength > entryLimits.maxString) visit(doc);

  const entry = asObject(doc);
  const display = asObject(entry?.display);
  for (const field of ["name", "author", "description", "comment"] as const)
    capped(problems, ["display", field], display?.[field], freeTextLimits[`display.${field}`]);
  for (const [key, value] of Object.entries(asObject(entry?.tags) ?? {})) capped(problems, ["tags", key], value, freeTextLimits["tags.*"]);
  for (const [platform, record] of Object.entries(asObject(entry?.compatibility) ?? {})) {
    const evidence = asObject(record)?.evidence;
    if (!Array.isArray(evidence)) continue;
    evidence.forEach((e, i) =>
      capped(problems, ["compatibility", platform, "evidence", i, "summary"], asObject(e)?.summary, freeTextLimits["compatibility.*.evidence[].summary"]),
    );
  }
  return problems;
}
