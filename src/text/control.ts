// Text that came from a stranger (a checkpoint's exception, pip's log, a server's reason) made safe to print and
// to publish: no control character reaches a terminal or a page raw, and nothing is longer than its cap.

/** C0 and C1 controls, DEL, and lone surrogates (which no UTF-8 writer can encode); newline and tab stay. */
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces every control character but newline and tab, and every lone surrogate, with a visible `\xNN` or `\uNNNN`. */
export function escapeControl(text: string): string {
  return text.replace(unsafe, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** At most `max` UTF-16 units, cut on a code-point boundary and marked with "…" when cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // do not split a surrogate pair
  return `${text.slice(0, end)}…`;
}

/** A stranger's text as one safe, capped piece: escaped first, so that escapes count against the cap. */
export function strangerText(text: string, max: number): string {
  return capText(escapeControl(text), max);
}

/** The first lone surrogate of `text` as "\\ud800" (how it would be escaped in JSON), or undefined when the text is well-formed. */
export function loneSurrogate(text: string): string | undefined {
  if (text.isWellFormed()) return undefined;
  const found = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(text)!;
  return `\\u${found[0].charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * The first string (a value or a key) of a parsed JSON value that holds a lone surrogate, with its path: such text
 * has no UTF-8 form (writers replace it, readers in other languages fail on it), so documents must not carry it.
 */
export function illFormedString(value: unknown): { path: PropertyKey[]; surrogate: string; inKey: boolean } | undefined {
  const path: PropertyKey[] = [];
  const visit = (at: unknown): { path: PropertyKey[]; surrogate: string; inKey: boolean } | undefined => {
    if (typeof at === "string") {
      const surrogate = loneSurrogate(at);
      return surrogate === undefined ? undefined : { path: [...path], surrogate, inKey: false };
    }
    if (at === null || typeof at !== "object") return undefined;
    const items: Array<[PropertyKey, unknown]> = Array.isArray(at) ? at.map((item, i) => [i, item]) : Object.entries(at);
    for (const [key, item] of items) {
      path.push(key);
      const surrogate = typeof key === "string" ? loneSurrogate(key) : undefined;
      const found = surrogate !== undefined ? { path: [...path], surrogate, inKey: true } : visit(item);
      path.pop();
      if (found) return found;
    }
    return undefined;
  };
  return visit(value);
}
