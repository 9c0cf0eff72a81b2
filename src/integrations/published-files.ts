// Starts the worker thread that writes the published JSON files (published-files-worker.ts) and says when
// it is done. Astro bundles this integration, so the worker is found from the project root, where Node runs
// its TypeScript as it is.
import { join } from "node:path";
import { Worker } from "node:worker_threads";

export function writePublishedFilesInWorker(root: string, entriesDir: string, outDir: string): Promise<number> {
  const worker = new Worker(join(root, "src/integrations/published-files-worker.ts"), { workerData: { entriesDir, outDir } });
  return new Promise((resolve, reject) => {
    let files: number | undefined;
    worker.once("message", (message: { files: number }) => (files = message.files));
    worker.once("error", reject);
    worker.once("exit", (code) => (files !== undefined && code === 0 ? resolve(files) : reject(new Error(`the worker writing the published files stopped (exit code ${code})`))));
  });
}
