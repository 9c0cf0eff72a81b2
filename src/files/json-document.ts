// Reading JSON that strangers wrote (entry files, stores, result records, request bodies): strict UTF-8,
// syntax, nesting depth, duplicate and "__proto__" keys, each failure located by line and column.
import { checkJsonStructure } from "./json-structure.ts";
import { JsonTextError, lineColumn, parseJsonText } from "./json-text.ts";

export { JsonTextError };

/** Nesting beyond this is refused (every reader of the registry's documents recurses). */
export const defaultMaxDepth = 64;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    try {
      strictUtf8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return bytes.length;
}

/** Text of UTF-8 bytes (a BOM is dropped), or a JsonTextError at the first invalid byte. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, offset));
    const { line, column } = lineColumn(before, before.length);
    throw new JsonTextError(`invalid UTF-8 (byte 0x${bytes[offset]?.toString(16).padStart(2, "0") ?? "??"} at byte offset ${offset})`, line, column);
  }
}

/** A parsed document whose structure is sound; JsonTextError (with line:column) otherwise. */
export function parseJsonDocument(text: string, options: { maxDepth?: number } = {}): unknown {
  const doc = parseJsonText(text);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problem = checkJsonStructure(body, doc, { maxDepth: options.maxDepth ?? defaultMaxDepth });
  if (problem) {
    const { line, column } = lineColumn(body, problem.offset);
    throw new JsonTextError(problem.message, line, column, problem.path);
  }
  return doc;
}
