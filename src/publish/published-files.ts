// The published JSON files of a build: one per entry, modelRegistry.json and FIAB's store views, written
// into the site's output folder. The dev server serves the same texts from its routes (src/pages).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fiabContracts } from "../fiab/store-contract.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { entryJsonText, fiabViewText, modelRegistryText } from "./documents.ts";

/** Writes every file; in batches of entries, so that memory holds a batch of texts at a time. */
export async function writePublishedFiles(entries: readonly LoadedEntry[], outDir: string): Promise<number> {
  await mkdir(join(outDir, "checkpoints"), { recursive: true });
  for (let i = 0; i < entries.length; i += 500) {
    await Promise.all(entries.slice(i, i + 500).map(({ id, entry }) => writeFile(join(outDir, "checkpoints", `${id}.json`), entryJsonText(entry))));
  }
  await writeFile(join(outDir, "modelRegistry.json"), modelRegistryText(entries));
  for (const contract of fiabContracts) {
    await mkdir(join(outDir, "fiab", contract), { recursive: true });
    await writeFile(join(outDir, "fiab", contract, "artifacts.json"), fiabViewText(entries, contract));
  }
  return entries.length + 1 + fiabContracts.length;
}
