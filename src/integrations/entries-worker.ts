// Runs in a worker thread during `astro build`, on the second core: loads the entries (validating them again
// costs this thread what handing them over would cost the build's) and starts the search index while the
// build validates and bundles; then, once told where, writes the published JSON files and the index while
// the build renders the pages.
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { writePublishedFiles } from "../publish/published-files.ts";
import { entriesPublication } from "../publish/revision.ts";
import { loadValidEntries } from "../registry/validate.ts";
import { startSearchIndex } from "./search-index.ts";

const port = parentPort!;
const { entriesDir } = workerData as { entriesDir: string };
const entries = await loadValidEntries(entriesDir);
const search = startSearchIndex(entries);
const { outDir } = await new Promise<{ outDir: string }>((resolve) => port.once("message", resolve));
const [files] = await Promise.all([writePublishedFiles(entries, outDir, entriesPublication(entriesDir)), search.write(join(outDir, "pagefind"))]);
port.postMessage({ files });
port.close();
