// The build's publish thread, a thread of its own (node:worker_threads) on the second core during `astro:build`:
// validates the entries (the build's one validation, exactly as `validate` does), handing each batch to the
// build as it passes the contract so that the pages render meanwhile; starts the search index; then, once told
// where, makes the pages' folders and writes the published files and the index while the build renders.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { writePublishedFiles } from "../publish/published-files.ts";
import { entriesPublication } from "../publish/revision.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { validateEntries } from "../registry/validate.ts";
import type { PublishThreadMessage } from "./publish-thread-client.ts";
import { startSearchIndex } from "./search-index.ts";

const port = parentPort!;
const send = (message: PublishThreadMessage) => port.postMessage(message);
const { entriesDir } = workerData as { entriesDir: string };
// Small batches: the first pages wait for the first batch, and copying a batch into the build's thread costs it
// about 40 µs an entry.
const batchSize = 50;
let batch: LoadedEntry[] = [];
const { files, entries, problems, warnings } = await validateEntries(entriesDir, (entry) => {
  batch.push(entry);
  if (batch.length < batchSize) return;
  send({ kind: "entries", entries: batch });
  batch = [];
});
if (batch.length > 0) send({ kind: "entries", entries: batch });
send({ kind: "validated", files, problems, warnings });
if (problems.length > 0) port.close();
else {
  const search = startSearchIndex(entries);
  const { outDir } = await new Promise<{ outDir: string }>((resolve) => port.once("message", resolve));
  // Each page's folder, made here rather than by the rendering thread, one page at a time.
  for (let i = 0; i < entries.length; i += 500)
    await Promise.all(entries.slice(i, i + 500).map(({ id }) => mkdir(join(outDir, "checkpoints", id), { recursive: true })));
  const [written] = await Promise.all([writePublishedFiles(entries, outDir, entriesPublication(entriesDir)), search.write(join(outDir, "pagefind"))]);
  send({ kind: "written", files: written });
  port.close();
}
