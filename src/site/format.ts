// Text formatting for the catalog pages. Nothing here uses the locale (toLocaleString, Intl), so the
// build writes the same bytes on every machine.
import { groupDigits, humanBytes } from "../text/numbers.ts";
import { shellQuote } from "../text/shell-quote.ts";

export { groupDigits, humanBytes, shellQuote };

/** A memory amount given in MiB, e.g. 16384 -> "16.0 GiB (16,384 MiB)". */
export function humanMib(mib: number): string {
  return `${humanBytes(mib * 1024 * 1024)} (${groupDigits(mib)} MiB)`;
}

const countUnits: Array<[number, string]> = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

/** A large count in short form, e.g. 253_000_000 -> "253M"; used for parameter counts. */
export function compactCount(value: number): string {
  for (const [size, suffix] of countUnits) {
    if (Math.abs(value) >= size) {
      const scaled = value / size;
      return `${scaled.toFixed(scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2).replace(/\.?0+$/, "")}${suffix}`;
    }
  }
  return String(value);
}

/** The `pip install` command for a list of requirement strings, each quoted for a POSIX shell. */
export function pipInstallLine(constraints: readonly string[]): string {
  return ["pip install", ...constraints.map(shellQuote)].join(" ");
}

/** A tag as shown in the catalog: "key: value", or just "key" for a tag without value. */
export function tagText(key: string, value: string | null): string {
  return value === null ? key : `${key}: ${value}`;
}

/** Pretty JSON for configuration blocks, kept in the key order the entry was written in. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}
