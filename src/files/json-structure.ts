// What JSON.parse does not tell about a document: nesting deeper than a reader should follow, keys given
// twice in one object (JSON.parse keeps the last silently, so a reviewer and a reader could see different
// values), "__proto__" keys (which JavaScript objects cannot hold as plain data), and strings holding a lone
// surrogate ("\ud800" escapes decode to text that has no UTF-8 form: writers replace it silently, readers in
// other languages fail on it).
//
// The common case, a sound document, is proven without a character-by-character scan: every key token is
// followed by the only colons outside strings, so the colons of the text minus the colons inside the parsed
// strings count the key tokens; when that equals the keys the parsed objects hold, no key was dropped. This
// holds unless a \u escape spells a colon, so text with \u escapes, and every document that fails the count,
// is scanned token by token to find the problem and its place. Only \u escapes (or text that is itself not
// well-formed) can make a lone surrogate, so the scan is also where strings are checked for them.
import { loneSurrogate } from "../text/control.ts";
import { formatPath } from "../text/json-path.ts";

export interface StructureLimits {
  maxDepth: number;
}

export interface StructureProblem {
  /** Character offset of the key or bracket at fault. */
  offset: number;
  message: string;
  /** The field at fault, as formatPath writes it, when the problem is a value's. */
  path?: string;
}

const COLON = 58;
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

function countColons(text: string): number {
  let n = 0;
  for (let at = text.indexOf(":"); at >= 0; at = text.indexOf(":", at + 1)) n++;
  return n;
}

/** Keys and colons inside strings of a parsed document, or false when it is too deep or holds "__proto__". */
function tally(doc: unknown, maxDepth: number): { keys: number; colons: number } | false {
  let keys = 0;
  let colons = 0;
  const visit = (value: unknown, depth: number): boolean => {
    if (typeof value === "string") {
      if (value.includes(":")) colons += countColons(value);
      return true;
    }
    if (value === null || typeof value !== "object") return true;
    if (depth >= maxDepth) return false;
    if (Array.isArray(value)) {
      for (const item of value) if (!visit(item, depth + 1)) return false;
      return true;
    }
    for (const key in value) {
      if (key === "__proto__") return false;
      keys++;
      if (key.includes(":")) colons += countColons(key);
      if (!visit((value as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return true;
  };
  return visit(doc, 0) ? { keys, colons } : false;
}

/** The first structural problem of `text`, which JSON.parse turned into `doc`; undefined when there is none. */
export function checkJsonStructure(text: string, doc: unknown, limits: StructureLimits): StructureProblem | undefined {
  const counted = text.includes("\\u") || !text.isWellFormed() ? false : tally(doc, limits.maxDepth);
  if (counted && countColons(text) - counted.colons === counted.keys) return undefined;
  return scanJsonStructure(text, limits);
}

/** End of the string starting with the quote at `start`: the offset of its closing quote. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

interface Frame {
  /** Keys seen so far; undefined for an array. */
  keys: Set<string> | undefined;
  expectKey: boolean;
  /** Where the frame is in its parent: the key of the value being read, or the array index. */
  key: string | undefined;
  index: number;
}

const pathOf = (stack: Frame[]) => formatPath(stack.map((frame) => (frame.keys ? (frame.key ?? "") : frame.index)));
const parentPath = (stack: Frame[]) => pathOf(stack.slice(0, -1));

/** The decoded string of the token `raw` (quotes included) when it may hold a lone surrogate; else undefined. */
function suspectString(raw: string): string | undefined {
  return raw.includes("\\u") || !raw.isWellFormed() ? (JSON.parse(raw) as string) : undefined;
}

/** The token-by-token check of valid JSON text, which also says where a problem is. */
export function scanJsonStructure(text: string, limits: StructureLimits): StructureProblem | undefined {
  const stack: Frame[] = [];
  let top: Frame | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (top?.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes("\\") ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (key === "__proto__") return { offset: i, message: 'key "__proto__" is not allowed (it cannot be kept as data)' };
        if (top.keys!.has(key)) return { offset: i, message: `duplicate key ${JSON.stringify(key)} in one object (JSON readers keep only one of them)` };
        const surrogate = loneSurrogate(key);
        if (surrogate !== undefined) {
          const path = parentPath(stack);
          return { offset: i, path, message: `${path}: a key holds a lone surrogate (${surrogate}): text must be well-formed Unicode` };
        }
        top.keys!.add(key);
        top.key = key;
        top.expectKey = false;
      } else {
        const value = suspectString(text.slice(i, end + 1));
        const surrogate = value === undefined ? undefined : loneSurrogate(value);
        if (surrogate !== undefined) {
          const path = pathOf(stack);
          return { offset: i, path, message: `${path}: the text holds a lone surrogate (${surrogate}): text must be well-formed Unicode` };
        }
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length >= limits.maxDepth) return { offset: i, message: `nested deeper than ${limits.maxDepth} levels` };
      top = { keys: c === OPEN_OBJECT ? new Set() : undefined, expectKey: c === OPEN_OBJECT, key: undefined, index: 0 };
      stack.push(top);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      top = stack[stack.length - 1];
    } else if (c === COMMA && top?.keys) top.expectKey = true;
    else if (c === COMMA && top) top.index += 1;
    else if (c === COLON && top?.keys) top.expectKey = false;
  }
  return undefined;
}
