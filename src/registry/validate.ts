// Validation of a whole entries folder: every file against the contract, then the checks across entries.
import { crossCheck, type CrossChecked } from "./cross-checks.ts";
import { scanEntries, scanEntriesGivingWay, type LoadedEntry } from "./entries.ts";
import { RegistryInvalidError, type Problem } from "./problem.ts";
import { warningsOf } from "./warnings.ts";
import { byCodePoint } from "../text/code-point-order.ts";

export { RegistryInvalidError };

export interface CheckResult {
  files: number;
  problems: Problem[];
  /** Allowed, but worth saying: an entry left out of FIAB's views, a limited area without bounds. */
  warnings: Problem[];
}

export interface ValidationResult extends CheckResult {
  entries: LoadedEntry[];
}

function finish(files: number, ids: ReadonlySet<string>, crossChecked: readonly CrossChecked[], problems: Problem[], warnings: Problem[]): CheckResult {
  problems.push(...crossCheck(crossChecked, ids));
  problems.sort((a, b) => byCodePoint(a.file, b.file));
  return { files, problems, warnings };
}

/**
 * Validates a folder and keeps its valid entries (the build, the server's import). `onEntry` sees each entry that
 * passes the contract as it is read, before the checks across entries have passed (the build hands them on
 * early); with `giveWayEvery`, the event loop runs every that many files, for a caller's other work meanwhile.
 */
export async function validateEntries(
  entriesDir: string,
  { onEntry, giveWayEvery }: { onEntry?: (entry: LoadedEntry) => void; giveWayEvery?: number } = {},
): Promise<ValidationResult> {
  const entries: LoadedEntry[] = [];
  const visit = (entry: LoadedEntry) => {
    entries.push(entry);
    onEntry?.(entry);
  };
  const { files, ids, problems } = giveWayEvery ? await scanEntriesGivingWay(entriesDir, visit, giveWayEvery) : scanEntries(entriesDir, visit);
  return { ...finish(files, ids, entries, problems, entries.flatMap(warningsOf)), entries };
}

/**
 * Validates a folder holding one entry at a time (the validate command): of each, only what the checks across
 * entries read is kept, so that 10,000 entries cost the garbage collector what a few do.
 */
export async function checkEntries(entriesDir: string): Promise<CheckResult> {
  const crossChecked: CrossChecked[] = [];
  const warnings: Problem[] = [];
  const { files, ids, problems } = scanEntries(entriesDir, (e) => {
    warnings.push(...warningsOf(e));
    const { variants, source, compatibility } = e.entry;
    crossChecked.push({ id: e.id, file: e.file, entry: { source, ...(variants ? { variants } : {}), ...(compatibility ? { compatibility } : {}) } });
  });
  return finish(files, ids, crossChecked, problems, warnings);
}

/** The entries of a folder that passes validation; throws RegistryInvalidError otherwise. */
export async function loadValidEntries(entriesDir: string): Promise<LoadedEntry[]> {
  const { entries, problems } = await validateEntries(entriesDir);
  if (problems.length > 0) throw new RegistryInvalidError(entriesDir, problems);
  return entries;
}
