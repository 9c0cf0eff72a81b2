// The one way entries are written: the folder as it would be after the writes is checked (each entry against
// the contract, then across entries) before anything is written; then only changed files are replaced, each
// atomically, in the one stable format. Extraction, store import and server syncs all come through here.
import { parseEntry, type Entry } from "../contract/index.ts";
import { writeFileAtomic } from "../files/atomic-write.ts";
import { formatJson } from "../files/json-text.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { crossCheckChanged } from "./cross-checks.ts";
import { entryFile, type LoadedEntry } from "./entries.ts";
import { RegistryInvalidError, type Problem } from "./problem.ts";

export type EntryChange = "created" | "updated" | "unchanged";

export interface EntryWrite {
  id: string;
  file: string;
  entry: Entry;
  change: EntryChange;
}

/**
 * What writing `drafts` into `dir` (whose valid entries are `existing`) would do, or the problems that
 * stop it. Drafts are checked against the strict contract exactly as a file would be, and across entries as
 * validate would find them after the write.
 */
export function planEntryWrites(
  dir: string,
  existing: readonly LoadedEntry[],
  drafts: ReadonlyArray<{ id: string; entry: unknown }>,
): { writes: EntryWrite[]; problems: Problem[] } {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const writes: EntryWrite[] = [];
  const problems: Problem[] = [];
  for (const draft of drafts) {
    const before = byId.get(draft.id);
    const file = before?.file ?? entryFile(dir, draft.id);
    // Through JSON first: a draft must pass exactly as its file would (no undefined, no class instances).
    const parsed = parseEntry(JSON.parse(JSON.stringify(draft.entry)));
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((p) => ({ file, ...p })));
      continue;
    }
    const change: EntryChange = !before ? "created" : formatJson(before.entry) === formatJson(parsed.entry) ? "unchanged" : "updated";
    writes.push({ id: draft.id, file, entry: parsed.entry, change });
  }
  if (problems.length === 0) {
    const after = new Map(byId);
    for (const w of writes) after.set(w.id, { id: w.id, file: w.file, entry: w.entry });
    // `existing` passed validation: only what the drafts touch can be wrong now.
    problems.push(
      ...crossCheckChanged(
        [...after.values()].sort((a, b) => byCodePoint(a.id, b.id)),
        new Set(writes.map((w) => w.id)),
      ),
    );
  }
  return { writes, problems };
}

/**
 * Plans and performs the writes; throws RegistryInvalidError, having written nothing, when a problem is
 * found. `context` finishes the error's message: "<n> problems in <dir> <context>; nothing was written".
 */
export async function writeEntries(
  dir: string,
  existing: readonly LoadedEntry[],
  drafts: ReadonlyArray<{ id: string; entry: unknown }>,
  context = "with the new entries",
): Promise<EntryWrite[]> {
  const { writes, problems } = planEntryWrites(dir, existing, drafts);
  if (problems.length > 0) throw new RegistryInvalidError(`${dir} ${context}; nothing was written`, problems);
  for (const w of writes) if (w.change !== "unchanged") await writeFileAtomic(w.file, formatJson(w.entry));
  return writes;
}
