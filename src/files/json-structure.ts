// What JSON.parse does not tell about a document: nesting deeper than a reader should follow, keys given
// twice in one object (JSON.parse keeps the last silently, so a reviewer and a reader could see different
// values), and "__proto__" keys (which JavaScript objects cannot hold as plain data). One pass over text that
// JSON.parse has already accepted, so the scan only has to follow strings, brackets, colons and commas.

export interface StructureLimits {
  maxDepth: number;
}

export interface StructureProblem {
  /** Character offset of the key or bracket at fault. */
  offset: number;
  message: string;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

interface Frame {
  /** Keys seen so far; undefined for an array. */
  keys: Set<string> | undefined;
  expectKey: boolean;
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

/** The first structural problem of valid JSON `text`, or undefined. */
export function checkJsonStructure(text: string, limits: StructureLimits): StructureProblem | undefined {
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
        top.keys!.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length >= limits.maxDepth) return { offset: i, message: `nested deeper than ${limits.maxDepth} levels` };
      top = { keys: c === OPEN_OBJECT ? new Set() : undefined, expectKey: c === OPEN_OBJECT };
      stack.push(top);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      top = stack[stack.length - 1];
    } else if (c === COMMA && top?.keys) top.expectKey = true;
  }
  return undefined;
}
