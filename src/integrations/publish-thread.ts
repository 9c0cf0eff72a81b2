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
import { checkpointPage, variantLinks } from "../site/checkpoint-page/page.ts";
import type { ReadyPage } from "../site/entries.ts";
import { entryHistory } from "../site/entry-history.ts";
import type { PublishThreadMessage } from "./publish-thread-client.ts";
import { startSearchIndex } from "./search-index.ts";

const port = parentPort!;
const send = (message: PublishThreadMessage) => port.postMessage(message);
const { entriesDir, site } = workerData as { entriesDir: string; site: string | undefined };
const siteUrl = site === undefined ? undefined : new URL(site);

const passed = new Map<string, LoadedEntry>();
// Entries whose variants have not all passed yet (their pages name each variant's build), by the variant awaited,
// and how many each still awaits.
const awaitedBy = new Map<string, LoadedEntry[]>();
const missing = new Map<LoadedEntry, number>();
let pages: ReadyPage[] = [];

function writePage({ id, entry }: LoadedEntry): void {
  const variants = variantLinks(entry, (v) => passed.get(v)?.entry);
  pages.push({ id, page: checkpointPage({ id, entry, variants, history: entryHistory(entriesDir, id), site: siteUrl }) });
}

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
    passed.set(entry.id, entry);
    const awaited = (entry.entry.variants ?? []).filter((v) => !passed.has(v));
    for (const v of awaited) awaitedBy.set(v, [...(awaitedBy.get(v) ?? []), entry]);
    if (awaited.length > 0) missing.set(entry, awaited.length);
    else writePage(entry);
    for (const e of awaitedBy.get(entry.id) ?? []) {
      const left = missing.get(e)! - 1;
      if (left > 0) missing.set(e, left);
      else {
        missing.delete(e);
        writePage(e);
      }
    }
    awaitedBy.delete(entry.id);
    if (pages.length >= batchSize) flush();
  },
});
const { files, problems, warnings } = result;
// A variant that never passed: the page names it by its id (and the folder's verdict says why).
if (problems.length === 0) for (const e of missing.keys()) writePage(e);
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
