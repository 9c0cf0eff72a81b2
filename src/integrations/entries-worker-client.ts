// The build's side of entries-worker.ts: starts it, and tells it where to write the published JSON files and
// the search index. Astro bundles this integration, so the worker is found from the project root, where
// Node runs its TypeScript as it is.
import { join } from "node:path";
import { Worker } from "node:worker_threads";

export interface EntriesWorker {
  /** Writes the published JSON files and the search index into `outDir`; resolves with how many JSON files. */
  writePublishedFiles(outDir: string): Promise<number>;
  /** Stops the worker (a build that fails before rendering). */
  stop(): Promise<void>;
}

export function startEntriesWorker(root: string, entriesDir: string): EntriesWorker {
  const worker = new Worker(join(root, "src/integrations/entries-worker.ts"), { workerData: { entriesDir } });
  const done = new Promise<number>((resolve, reject) => {
    let files: number | undefined;
    worker.once("message", (message: { files: number }) => (files = message.files));
    worker.once("error", reject);
    worker.once("exit", (code) => (files !== undefined ? resolve(files) : reject(new Error(`the worker writing the published files stopped (exit code ${code})`))));
  });
  done.catch(() => {});
  return {
    writePublishedFiles(outDir) {
      worker.postMessage({ outDir });
      return done;
    },
    async stop() {
      await worker.terminate();
    },
  };
}
