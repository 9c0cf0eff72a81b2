// Text formatting for the catalog pages. Nothing here uses the locale (toLocaleString, Intl), so the
// build writes the same bytes on every machine.

const byteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

/** A size in IEC units with three significant digits, e.g. 1449403913 -> "1.35 GiB". */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "unknown";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  let text = value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
  // 1023.996 KiB rounds to "1024": say "1.00 MiB" instead.
  if (Number(text) >= 1024 && unit < byteUnits.length - 1) {
    unit += 1;
    text = (Number(text) / 1024).toFixed(2);
  }
  return `${text} ${byteUnits[unit]}`;
}

/** An integer with thousands separators, e.g. 188732703 -> "188,732,703". */
export function groupDigits(value: number): string {
  const [whole = "", fraction] = String(value).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

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

/**
 * One word for a POSIX shell: always single-quoted, so ">=", "[extras]", "<" and URLs with "&" stay literal;
 * a single quote inside becomes '\''.
 */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `pip install` command for a list of requirement strings, each quoted for a POSIX shell. */
export function pipInstallLine(constraints: readonly string[]): string {
  return ["pip install", ...constraints.map(shellQuote)].join(" ");
}

/** A tag as shown in the catalog: "key: value", or just "key" for a tag without value. */
export function tagText(key: string, value: string | null): string {
  return value === null ? key : `${key}: ${value}`;
}

/** Code-point order, the same on every machine (localeCompare is not). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pretty JSON for configuration blocks, kept in the key order the entry was written in. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}
