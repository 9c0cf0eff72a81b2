// The build's side of entries-worker.ts: starts it, takes the validated entries it hands over, and tells it
// where to write the published JSON files and the search index. Astro bundles this integration, so the worker
// is found from the project root, where Node runs its TypeScript as it is.
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { ValidationResult } from "../registry/validate.ts";

export type WorkerMessage = ({ kind: "validated" } & ValidationResult) | { kind: "written"; files: number };

export interface EntriesWorker {
  /** The folder's validation, with its valid entries (none when it has problems). */
  validated: Promise<ValidationResult>;
  /** Writes the published JSON files and the search index into `outDir`; resolves with how many JSON files. */
  writePublishedFiles(outDir: string): Promise<number>;
  /** Stops the worker (a build that fails before rendering). */
  stop(): Promise<void>;
}

export function startEntriesWorker(root: string, entriesDir: string): EntriesWorker {
  const worker = new Worker(join(root, "src/integrations/entries-worker.ts"), { workerData: { entriesDir } });
  let onValidated!: (result: ValidationResult) => void;
  const validated = new Promise<ValidationResult>((resolve) => (onValidated = resolve));
  const done = new Promise<number>((resolve, reject) => {
    let files: number | undefined;
    worker.on("message", (message: WorkerMessage) => {
      if (message.kind === "validated") {
        const { kind: _kind, ...result } = message;
        onValidated(result);
      } else files = message.files;
    });
    worker.once("error", reject);
    worker.once("exit", (code) => (files !== undefined ? resolve(files) : reject(new Error(`the worker validating the entries and writing the published files stopped (exit code ${code})`))));
  });
  done.catch(() => {});
  return {
    // A worker that fails before it has validated fails the validation too.
    validated: Promise.race([validated, done.then(() => validated)]),
    writePublishedFiles(outDir) {
      worker.postMessage({ outDir });
      return done;
    },
    async stop() {
      await worker.terminate();
    },
  };
}
