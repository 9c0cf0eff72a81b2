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
