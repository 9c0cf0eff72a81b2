// Text formatting for the catalog pages. Nothing here uses the locale (toLocaleString, Intl), so the
// build writes the same bytes on every machine.
import type { Infrastructure } from "../contract/index.ts";
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

/** The GPU memory a model needs, in words, and the rule behind an estimate (for a tooltip or a note). */
export function gpuMemoryText(infrastructure: Pick<Infrastructure, "minimumGpuMemoryMib" | "gpuMemory"> | undefined): {
  text: string;
  rule?: string | undefined;
  source?: string | undefined;
} {
  const minimum = infrastructure?.minimumGpuMemoryMib;
  const need = infrastructure?.gpuMemory;
  if (need) {
    const amount = `${need.atLeast ? "at least " : need.kind === "estimated" ? "about " : ""}${humanMib(need.mib)}`;
    const how =
      need.kind === "estimated" ? (need.atLeast ? "estimated lower bound" : "estimated") : need.kind === "stated" ? "stated by the publisher" : "measured";
    return { text: `${amount}, ${how}`, rule: need.rule, source: need.source };
  }
  if (typeof minimum === "number") return { text: `at least ${humanMib(minimum)}` };
  if (minimum === null) return { text: "no minimum" };
  return { text: "not measured or estimated yet" };
}

/** The first sentence of a description, for a card (the page shows it whole); at most about 240 characters. */
export function firstSentence(text: string): string {
  const end = /[.!?](?=\s+[A-Z(])/.exec(text);
  const sentence = end ? text.slice(0, end.index + 1) : text;
  if (sentence.length <= 240) return sentence;
  const cut = sentence.lastIndexOf(" ", 237);
  return `${sentence.slice(0, cut > 0 ? cut : 237)}…`;
}
