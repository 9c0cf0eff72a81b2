// Reading and writing entry JSON text: syntax errors located by line and column, and one stable format.
import { errorMessage } from "../errors.ts";

export class JsonTextError extends Error {
  readonly line: number;
  readonly column: number;
  /** The field at fault, when the text is sound JSON but a value in it is not (a lone surrogate). */
  readonly path: string | undefined;
  constructor(message: string, line: number, column: number, path?: string) {
    super(message);
    this.line = line;
    this.column = column;
    this.path = path;
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** JSON.parse with the error position turned into line:column (V8 reports a character offset). */
export function parseJsonText(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const message = errorMessage(error);
    const atPosition = /at position (\d+)/.exec(message);
    const offset = atPosition ? Number(atPosition[1]) : /Unexpected end of JSON input/.test(message) ? body.length : 0;
    const { line, column } = lineColumn(body, offset);
    const reason = message.replace(/ in JSON at position \d+.*$/, "").replace(/, ".*" is not valid JSON$/, "");
    throw new JsonTextError(`invalid JSON: ${reason}`, line, column);
  }
}

/** The one format for files in entries/: two-space indent, trailing newline; key order is the caller's. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
