// A word for a POSIX shell, for the commands the registry prints or shows to copy.

/**
 * One word for a POSIX shell: always single-quoted, so ">=", "[extras]", "<" and URLs with "&" stay literal;
 * a single quote inside becomes '\''.
 */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
