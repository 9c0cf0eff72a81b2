// Importing a whole FIAB store into an entries folder: the entries to write, checked before any is written.
import { checkpointIdPattern, parseEntry, problemsFromZod, formatProblem, type Entry } from "../contract/index.ts";
import { crossCheck } from "./cross-checks.ts";
import { entryFile, type LoadedEntry } from "./entries.ts";
import type { Problem } from "./problem.ts";
import { artifactFields, entryFromArtifact, findVariants } from "../fiab/import.ts";
import { storeDocument, type FiabFields } from "../fiab/store-contract.ts";

export interface PlannedWrite {
  id: string;
  file: string;
  entry: Entry;
  change: "created" | "updated" | "unchanged";
}

export class StoreFormatError extends Error {}

/** Checks a parsed document against FIAB's store contract (core-1 and core-2 artifacts may be mixed). */
export function readStoreDocument(doc: unknown, file: string): Map<string, FiabFields> {
  const parsed = storeDocument.safeParse(doc);
  if (!parsed.success) {
    const lines = problemsFromZod(parsed.error, doc).map((p) => `${file}: ${formatProblem(p)}`);
    throw new StoreFormatError(`not a FIAB store (core-1 or core-2):\n${lines.join("\n")}`);
  }
  return new Map(Object.entries(parsed.data.artifacts).map(([id, artifact]) => [id, artifactFields(artifact)]));
}

/**
 * The entries a store import produces, merged with the existing ones. Returns problems instead of
 * writes when the result would not validate, so that nothing is written half-way.
 */
export function planStoreImport(
  artifacts: ReadonlyMap<string, FiabFields>,
  existing: readonly LoadedEntry[],
  entriesDir: string,
): { writes: PlannedWrite[]; problems: Problem[] } {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const variants = findVariants(artifacts);
  const writes: PlannedWrite[] = [];
  const problems: Problem[] = [];
  for (const [id, fields] of artifacts) {
    if (!checkpointIdPattern.test(id)) {
      // The id becomes a file name: anything else could escape the entries folder.
      problems.push({ file: entryFile(entriesDir, "<id>"), path: `artifacts[${JSON.stringify(id)}]`, message: `artifact id ${JSON.stringify(id)} is not a valid checkpoint id (letters, digits, '.', '_' and '-', starting with a letter or digit)` });
      continue;
    }
    const before = byId.get(id);
    const entry = entryFromArtifact(fields, before?.entry);
    const known = [...(before?.entry.variants ?? []), ...(variants.get(id) ?? [])];
    if (known.length > 0) entry.variants = [...new Set(known)].sort();
    const file = before?.file ?? entryFile(entriesDir, id);
    const parsed = parseEntry(JSON.parse(JSON.stringify(entry)));
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((p) => ({ file, ...p })));
      continue;
    }
    const change = !before ? "created" : JSON.stringify(before.entry) === JSON.stringify(parsed.entry) ? "unchanged" : "updated";
    writes.push({ id, file, entry: parsed.entry, change });
  }
  if (problems.length === 0) {
    const after = new Map(byId);
    for (const w of writes) after.set(w.id, { id: w.id, file: w.file, entry: w.entry });
    problems.push(...crossCheck([...after.values()].sort((a, b) => (a.id < b.id ? -1 : 1))));
  }
  return { writes, problems };
}
