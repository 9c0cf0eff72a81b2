// Checks that look across entries or beyond one field: ids, variants, duplicated files, derived statuses.
import { deriveStatus, isKnownStatusRule, type Entry } from "../contract/index.ts";
import type { Problem } from "./problem.ts";

/** What the checks read of an entry: a loaded entry, or only these of its fields. */
export interface CrossChecked {
  id: string;
  file: string;
  entry: Pick<Entry, "source" | "variants" | "compatibility">;
}

function checkIdCollisions(entries: readonly CrossChecked[], problems: Problem[]): void {
  const byLower = new Map<string, CrossChecked>();
  for (const e of entries) {
    const other = byLower.get(e.id.toLowerCase());
    if (other)
      problems.push({
        file: e.file,
        message: `id "${e.id}" differs from "${other.id}" (${other.file}) only in case: both would be one file on macOS and Windows`,
      });
    else byLower.set(e.id.toLowerCase(), e);
  }
}

function checkVariants(entries: readonly CrossChecked[], byId: Map<string, CrossChecked>, ids: ReadonlySet<string>, problems: Problem[]): void {
  for (const e of entries) {
    for (const [i, variant] of (e.entry.variants ?? []).entries()) {
      const path = `variants[${i}]`;
      const other = byId.get(variant);
      if (variant === e.id) problems.push({ file: e.file, path, message: "an entry cannot be its own variant", found: JSON.stringify(variant) });
      else if (!other && ids.has(variant))
        continue; // that entry is invalid and reported on its own
      else if (!other)
        problems.push({ file: e.file, path, message: "variant names no entry", expected: "the id of an entry in this folder", found: JSON.stringify(variant) });
      else if (!(other.entry.variants ?? []).includes(e.id)) {
        problems.push({
          file: e.file,
          path,
          message: `variants must be listed on both sides: add "${e.id}" to the variants of ${other.file}`,
          found: JSON.stringify(variant),
        });
      }
    }
  }
}

function areVariants(a: CrossChecked, b: CrossChecked): boolean {
  return (a.entry.variants ?? []).includes(b.id) || (b.entry.variants ?? []).includes(a.id);
}

function checkDuplicateFiles(entries: readonly CrossChecked[], problems: Problem[]): void {
  const seen = new Map<string, { entry: CrossChecked; path: string }>();
  for (const e of entries) {
    const keys: Array<[string, string]> = [["source.url", `url ${e.entry.source.url}`]];
    for (const [i, mirror] of (e.entry.source.mirrors ?? []).entries()) keys.push([`source.mirrors[${i}]`, `url ${mirror}`]);
    if (e.entry.source.sha256) keys.push(["source.sha256", `sha256 ${e.entry.source.sha256}`]);
    for (const [path, key] of keys) {
      const first = seen.get(key);
      if (!first) seen.set(key, { entry: e, path });
      else if (first.entry !== e && !areVariants(first.entry, e)) {
        problems.push({
          file: e.file,
          path,
          message: `same ${key.split(" ")[0]} as ${first.entry.file} (${first.path}); entries for one checkpoint file must list each other in "variants"`,
          found: JSON.stringify(key.slice(key.indexOf(" ") + 1)),
        });
      }
    }
  }
}

function checkStatuses(entries: readonly CrossChecked[], problems: Problem[]): void {
  for (const e of entries) {
    for (const [platform, record] of Object.entries(e.entry.compatibility ?? {})) {
      const path = `compatibility[${JSON.stringify(platform)}]`;
      if (!isKnownStatusRule(record.statusRule)) {
        problems.push({ file: e.file, path: `${path}.statusRule`, message: "unknown status rule", expected: "1", found: String(record.statusRule) });
        continue;
      }
      const derived = deriveStatus(record.evidence, record.statusRule);
      if (derived !== record.status) {
        problems.push({
          file: e.file,
          path: `${path}.status`,
          message: `status does not follow from the evidence under rule ${record.statusRule} (run update-metadata, or fix the evidence)`,
          expected: JSON.stringify(derived),
          found: JSON.stringify(record.status),
        });
      }
    }
  }
}

/**
 * `ids`: every entry id in the folder, including those of entries that failed the contract; `among`: the
 * entries that variants may name (default: `entries`).
 */
export function crossCheck(
  entries: readonly CrossChecked[],
  ids: ReadonlySet<string> = new Set(entries.map((e) => e.id)),
  among: readonly CrossChecked[] = entries,
): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(among.map((e) => [e.id, e]));
  checkIdCollisions(entries, problems);
  checkVariants(entries, byId, ids, problems);
  checkDuplicateFiles(entries, problems);
  checkStatuses(entries, problems);
  return problems;
}

/**
 * The problems that changing the entries `changed` can bring into `entries`, which were valid before: the
 * checks of crossCheck, run on the changed entries and on those they meet (an id equal but for case, a variant
 * link either way, a shared URL or sha256). At 10,000 entries a one-entry write is checked in a millisecond or
 * two instead of twenty (measured in bench/server.ts), which the server pays on the thread that answers reads.
 */
export function crossCheckChanged(entries: readonly CrossChecked[], changed: ReadonlySet<string>): Problem[] {
  const ids = new Set<string>();
  const lowerIds = new Set<string>();
  const linked = new Set<string>();
  const files = new Set<string>();
  for (const e of entries) {
    ids.add(e.id);
    if (!changed.has(e.id)) continue;
    lowerIds.add(e.id.toLowerCase());
    for (const variant of e.entry.variants ?? []) linked.add(variant);
    const { url, mirrors, sha256 } = e.entry.source;
    files.add(url);
    for (const mirror of mirrors ?? []) files.add(mirror);
    if (sha256) files.add(sha256);
  }
  const meets = (e: CrossChecked) => {
    const { url, mirrors, sha256 } = e.entry.source;
    return (
      changed.has(e.id) ||
      lowerIds.has(e.id.toLowerCase()) ||
      linked.has(e.id) ||
      (e.entry.variants ?? []).some((v) => changed.has(v)) ||
      files.has(url) ||
      (mirrors ?? []).some((m) => files.has(m)) ||
      (sha256 !== undefined && files.has(sha256))
    );
  };
  return crossCheck(entries.filter(meets), ids, entries);
}
