// Small per-entry derivations shared by the index and the checkpoint pages.
import { byCodePoint } from "../text/code-point-order.ts";

const separators = new Set(["-", "_", "."]);

/**
 * Short labels that tell variants apart: each id after the prefix the whole family (the entry and its
 * variants) shares, cut at a separator, e.g. "…sdpa" and "…flash_attn_aarch64" for the AIFS Single ids.
 * Variants usually share the display name, so the name would not say which is which.
 */
export function variantLabels(id: string, variants: readonly string[]): Map<string, string> {
  const family = [id, ...variants];
  let prefix = id;
  for (const member of variants) {
    let common = 0;
    while (common < prefix.length && common < member.length && prefix[common] === member[common]) common += 1;
    prefix = prefix.slice(0, common);
  }
  // Cut only after a separator, and never so far that a label would be empty.
  let cut = prefix.length;
  while (cut > 0 && (!separators.has(prefix[cut - 1] as string) || family.some((m) => m.length <= cut))) cut -= 1;
  const labels = new Map<string, string>();
  for (const v of variants) labels.set(v, cut < 4 ? v : `…${v.slice(cut)}`);
  return labels;
}

export interface PlatformStatus {
  platform: string;
  status: string;
}

/** Platform statuses in code-point order of the platform key; empty when the entry states none. */
export function platformStatuses(compatibility: Record<string, { status: string }> | undefined): PlatformStatus[] {
  return Object.entries(compatibility ?? {})
    .map(([platform, record]) => ({ platform, status: record.status }))
    .sort((a, b) => byCodePoint(a.platform, b.platform));
}

/** Tags in code-point order of their keys, so two entries with the same tags show them alike. */
export function sortedTags(tags: Record<string, string | null> | undefined): Array<[string, string | null]> {
  return Object.entries(tags ?? {}).sort(([a], [b]) => byCodePoint(a, b));
}

/** A CSS class suffix for a status or verdict word; anything unexpected gets the neutral style. */
export function statusClass(word: string): string {
  return /^[a-z-]+$/.test(word) ? word : "unknown";
}
