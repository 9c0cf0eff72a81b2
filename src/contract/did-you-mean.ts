// "Did you mean ...?" for a mistyped field name: the closest known name by edit distance (adjacent swaps
// count once), after an exact match ignoring case, "_" and "-" (size_bytes -> sizeBytes).
import { byCodePoint } from "../text/code-point-order.ts";

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

const loose = (name: string) => name.toLowerCase().replace(/[_-]/g, "");

/** The known name `name` most likely meant, or undefined when none is close (at most a third of it differs). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const candidates = [...new Set(known)].filter((k) => k !== name).sort(byCodePoint);
  const same = candidates.find((k) => loose(k) === loose(name));
  if (same) return same;
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const k of candidates) {
    const distance = editDistance(loose(name), loose(k));
    if (distance <= limit && (!best || distance < best.distance)) best = { name: k, distance };
  }
  return best?.name;
}
