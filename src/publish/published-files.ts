// The published files of a build: the JSON of each entry, modelRegistry.json and FIAB's store views, each of
// those also as a content-addressed copy under /revisions/, the global models' maps, and the host's header
// rules (_headers), written into the site's output folder. The dev server serves the same texts from its routes
// (src/pages).
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fiabContracts } from "../fiab/store-contract.ts";
import { globalMapFile } from "../geo/domain-map.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { contentAddressedPath } from "./content-address.ts";
import { entryJsonText, fiabViewText, modelRegistryText } from "./documents.ts";
import { hostHeadersText } from "./host-headers.ts";
import type { Publication } from "./revision.ts";
import { globalMaps } from "../site/global-maps.ts";

async function writeDocument(outDir: string, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text);
  for (const target of [path, contentAddressedPath(path, bytes)]) {
    await mkdir(dirname(join(outDir, target)), { recursive: true });
    await writeFile(join(outDir, target), bytes);
  }
}

/** Writes every file; in batches of entries, so that memory holds a batch of texts at a time. Returns how many JSON files. */
export async function writePublishedFiles(entries: readonly LoadedEntry[], outDir: string, publication: Publication = {}): Promise<number> {
  await mkdir(join(outDir, "checkpoints"), { recursive: true });
  for (let i = 0; i < entries.length; i += 500) {
    await Promise.all(entries.slice(i, i + 500).map(({ id, entry }) => writeFile(join(outDir, "checkpoints", `${id}.json`), entryJsonText(entry))));
  }
  await writeDocument(outDir, "modelRegistry.json", modelRegistryText(entries, publication));
  for (const contract of fiabContracts) await writeDocument(outDir, `fiab/${contract}/artifacts.json`, fiabViewText(entries, contract));
  await mkdir(join(outDir, "maps/global"), { recursive: true });
  for (const [name, grid] of globalMaps(entries)) await writeFile(join(outDir, "maps/global", `${name}.svg`), globalMapFile(grid));
  await writeFile(join(outDir, "_headers"), hostHeadersText());
  return entries.length + 2 * (1 + fiabContracts.length);
}
