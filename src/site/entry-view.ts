// Small per-entry derivations shared by the index and the checkpoint pages.
import { byCodePoint } from "../text/code-point-order.ts";

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
