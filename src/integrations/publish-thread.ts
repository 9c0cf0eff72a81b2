// The build's publish thread, a thread of its own (node:worker_threads) on the second core during `astro:build`:
// validates the entries (the build's one validation, exactly as `validate` does) and hands them to the build,
// which renders the pages meanwhile bundled; starts the search index; then, once told where, makes the pages'
// folders and writes the published JSON files and the index while the build renders the pages.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { writePublishedFiles } from "../publish/published-files.ts";
import { entriesPublication } from "../publish/revision.ts";
import { validateEntries } from "../registry/validate.ts";
import type { PublishThreadMessage } from "./publish-thread-client.ts";
import { startSearchIndex } from "./search-index.ts";

const port = parentPort!;
const send = (message: PublishThreadMessage) => port.postMessage(message);
const { entriesDir } = workerData as { entriesDir: string };
const { files, entries, problems, warnings } = await validateEntries(entriesDir);
if (problems.length > 0) {
  send({ kind: "validated", files, entries: [], problems, warnings });
  port.close();
} else {
  const search = startSearchIndex(entries);
  send({ kind: "validated", files, entries, problems, warnings });
  const { outDir } = await new Promise<{ outDir: string }>((resolve) => port.once("message", resolve));
  // Each page's folder, made here rather than by the rendering thread, one page at a time.
  for (let i = 0; i < entries.length; i += 500)
    await Promise.all(entries.slice(i, i + 500).map(({ id }) => mkdir(join(outDir, "checkpoints", id), { recursive: true })));
  const [written] = await Promise.all([writePublishedFiles(entries, outDir, entriesPublication(entriesDir)), search.write(join(outDir, "pagefind"))]);
  send({ kind: "written", files: written });
  port.close();
}
