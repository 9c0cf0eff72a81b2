// Text that came out of the sandbox or a worker (an exception, pip's log, a reason) as evidence may hold it:
// escaped (no control character reaches a page or a terminal) and capped. Every summary and every
// `details.checkpointOutput` goes through these, so a checkpoint cannot write markup or escapes into a verdict.
import { strangerText } from "../text/control.ts";

/** The cap of an evidence summary (one line). */
export const summaryChars = 500;
/** The cap of the checkpoint's own words kept with evidence and jobs (the interface's 2,000 characters). */
export const outputChars = 2000;

/** The first line that says something, escaped and capped: a summary never ends in a bare "exited 1:". */
export function summaryLine(text: string, max = summaryChars): string {
  const line =
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? "";
  return strangerText(line, max);
}

/** The last lines of a process's stderr, escaped, capped from the end (the end is where the error is). */
export function outputTail(text: string, max = outputChars): string {
  const lines = text.replace(/\r\n?/g, "\n").trimEnd().split("\n").slice(-20).join("\n");
  const escaped = strangerText(lines, Number.MAX_SAFE_INTEGER);
  if (escaped.length <= max) return escaped;
  // Cut from the front on a code-point boundary and say so.
  let start = escaped.length - (max - 1);
  const first = escaped.charCodeAt(start);
  if (first >= 0xdc00 && first <= 0xdfff) start += 1;
  return `…${escaped.slice(start)}`;
}
