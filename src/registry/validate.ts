// Validation of a whole entries folder: every file against the contract, then the checks across entries.
import { crossCheck } from "./cross-checks.ts";
import { loadEntries, type LoadedEntry } from "./entries.ts";
import { RegistryInvalidError, type Problem } from "./problem.ts";
import { entryWarnings } from "./warnings.ts";

export { RegistryInvalidError };
import { byCodePoint } from "../text/code-point-order.ts";

export interface ValidationResult {
  files: number;
  entries: LoadedEntry[];
  problems: Problem[];
  /** Allowed, but worth saying: an entry left out of FIAB's views, a limited area without bounds. */
  warnings: Problem[];
}

export async function validateEntries(entriesDir: string): Promise<ValidationResult> {
  const { files, ids, entries, problems } = await loadEntries(entriesDir);
  problems.push(...crossCheck(entries, ids));
  problems.sort((a, b) => byCodePoint(a.file, b.file));
  return { files, entries, problems, warnings: entryWarnings(entries) };
}

/** The entries of a folder that passes validation; throws RegistryInvalidError otherwise. */
export async function loadValidEntries(entriesDir: string): Promise<LoadedEntry[]> {
  const { entries, problems } = await validateEntries(entriesDir);
  if (problems.length > 0) throw new RegistryInvalidError(entriesDir, problems);
  return entries;
}
