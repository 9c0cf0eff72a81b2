// Runs in a worker thread during `astro build`: loads the entries (validated again, on this thread) and
// writes the published JSON files, on a second core while Astro renders the pages on the first.
import { parentPort, workerData } from "node:worker_threads";
import { writePublishedFiles } from "../publish/published-files.ts";
import { loadValidEntries } from "../registry/validate.ts";

const { entriesDir, outDir } = workerData as { entriesDir: string; outDir: string };
const files = await writePublishedFiles(await loadValidEntries(entriesDir), outDir);
parentPort?.postMessage({ files });
