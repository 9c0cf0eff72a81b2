// Importing a whole FIAB store into an entries folder: the store read against FIAB's own contract, and the
// entries it produces merged with those already there (see src/fiab/import.ts for what is kept).
import { checkpointIdPattern, formatProblem, problemsFromZod } from "../contract/index.ts";
import { RegistryError } from "../errors.ts";
import { artifactFields, entryFromArtifact, findVariants } from "../fiab/import.ts";
import { storeDocument, type FiabFields } from "../fiab/store-contract.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { entryFile, type LoadedEntry } from "./entries.ts";
import type { Problem } from "./problem.ts";
import { withStoreFacts } from "./store-facts.ts";

export class StoreFormatError extends RegistryError {}

/** Checks a parsed document against FIAB's store contract (core-1 and core-2 artifacts may be mixed). */
export function readStoreDocument(doc: unknown, file: string): Map<string, FiabFields> {
  const parsed = storeDocument.safeParse(doc);
  if (!parsed.success) {
    const lines = problemsFromZod(parsed.error, doc, storeDocument).map((p) => `${file}: ${formatProblem(p)}`);
    throw new StoreFormatError(`not a FIAB store (core-1 or core-2):\n${lines.join("\n")}`);
  }
  return new Map(Object.entries(parsed.data.artifacts).map(([id, artifact]) => [id, artifactFields(artifact)]));
}

/** The entry drafts a store import produces (for writeEntries), or the artifact ids that cannot be entries. */
export function storeImportDrafts(
  artifacts: ReadonlyMap<string, FiabFields>,
  existing: readonly LoadedEntry[],
  entriesDir: string,
): { drafts: Array<{ id: string; entry: unknown }>; problems: Problem[] } {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const variants = findVariants(artifacts);
  const drafts: Array<{ id: string; entry: unknown }> = [];
  const problems: Problem[] = [];
  for (const [id, fields] of artifacts) {
    if (!checkpointIdPattern.test(id)) {
      // The id becomes a file name: anything else could escape the entries folder.
      problems.push({
        file: entryFile(entriesDir, "<id>"),
        path: `artifacts[${JSON.stringify(id)}]`,
        message: `artifact id ${JSON.stringify(id)} is not a valid checkpoint id (letters, digits, '.', '_' and '-', starting with a letter or digit)`,
      });
      continue;
    }
    const before = byId.get(id)?.entry;
    const entry = withStoreFacts(entryFromArtifact(fields, before), fields, before);
    const known = [...(before?.variants ?? []), ...(variants.get(id) ?? [])];
    if (known.length > 0) entry.variants = [...new Set(known)].sort(byCodePoint);
    drafts.push({ id, entry });
  }
  return { drafts, problems };
}
