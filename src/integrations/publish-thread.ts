// The build's publish thread, a thread of its own (node:worker_threads) on the second core during `astro:build`:
// validates the entries (the build's one validation, exactly as `validate` does) and writes each checkpoint
// page's content as soon as its entry and its variants' entries have passed the contract, handing them to the
// build a batch at a time so that the pages render meanwhile, then the catalog's content with the verdict; hands
// the entries to the search index as they pass; then, once told where, makes the pages' folders and writes the
// published files and the index while the build renders. The entries themselves never leave this thread.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { writePublishedFiles } from "../publish/published-files.ts";
import { entriesPublication } from "../publish/revision.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { validateEntries } from "../registry/validate.ts";
import { catalogContent } from "../site/catalog-content.ts";
import { PagesAsEntriesPass } from "../site/checkpoint-page/as-entries-pass.ts";
import type { ReadyPage } from "../site/entries.ts";
import type { PublishThreadMessage } from "./publish-thread-client.ts";
import { startSearchIndex } from "./search-index.ts";

const port = parentPort!;
const send = (message: PublishThreadMessage) => port.postMessage(message);
const { entriesDir, site } = workerData as { entriesDir: string; site: string | undefined };

const writer = new PagesAsEntriesPass(entriesDir, site === undefined ? undefined : new URL(site));
let pages: ReadyPage[] = [];

function flush(): void {
  if (pages.length === 0) return;
  send({ kind: "pages", pages });
  pages = [];
}

// Small batches: the first pages wait for the first batch.
const batchSize = 20;
const search = startSearchIndex();
let searchBatch: LoadedEntry[] = [];
const result = await validateEntries(entriesDir, {
  // Pagefind's records go out while the folder is read.
  giveWayEvery: 100,
  onEntry(entry) {
    searchBatch.push(entry);
    if (searchBatch.length >= 100) {
      search.add(searchBatch);
      searchBatch = [];
    }
    pages.push(...writer.pass(entry));
    if (pages.length >= batchSize) flush();
  },
});
const { files, problems, warnings } = result;
if (problems.length === 0) pages.push(...writer.rest());
flush();
send({ kind: "validated", files, problems, warnings, ...(problems.length === 0 ? { catalog: catalogContent(result.entries, entriesDir) } : {}) });
if (problems.length > 0) {
  await search.cancel();
  port.close();
} else {
  search.add(searchBatch);
  const { outDir } = await new Promise<{ outDir: string }>((resolve) => port.once("message", resolve));
  // Each page's folder, made here rather than by the rendering thread, one page at a time.
  for (let i = 0; i < result.entries.length; i += 500)
    await Promise.all(result.entries.slice(i, i + 500).map(({ id }) => mkdir(join(outDir, "checkpoints", id), { recursive: true })));
  const [written] = await Promise.all([writePublishedFiles(result.entries, outDir, entriesPublication(entriesDir)), search.write(join(outDir, "pagefind"))]);
  send({ kind: "written", files: written });
  port.close();
}
