// The build's side of its publish thread (publish-thread.ts): starts it, takes the entries it hands over as
// they pass the contract with their checkpoint pages' content, then its verdict on the folder, and tells it where to write the published files
// and the search index. Astro bundles this integration, so the thread's module is found from the project root,
// where Node runs its TypeScript as it is.
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { LoadedEntry } from "../registry/entries.ts";
import type { CheckResult } from "../registry/validate.ts";
import type { ReadyPage } from "../site/entries.ts";

/** Batches of entries that passed the contract and of their pages, then the folder's verdict, then the files written. */
export type PublishThreadMessage =
  { kind: "entries"; entries: LoadedEntry[]; pages: ReadyPage[] } | ({ kind: "validated" } & CheckResult) | { kind: "written"; files: number };

export interface PublishThread {
  /** The folder's verdict, after every entry that passed the contract and every page went to `onEntries`. */
  validated: Promise<CheckResult>;
  /** Writes the published files and the search index into `outDir`; resolves with how many JSON files. */
  writePublishedFiles(outDir: string): Promise<number>;
  /** Stops the thread (a build that fails before rendering). */
  stop(): Promise<void>;
}

/** `site`: the catalog's public address, which the checkpoint pages name. */
export function startPublishThread(
  root: string,
  entriesDir: string,
  site: URL | undefined,
  onEntries: (entries: LoadedEntry[], pages: ReadyPage[]) => void,
): PublishThread {
  const thread = new Worker(join(root, "src/integrations/publish-thread.ts"), { workerData: { entriesDir, site: site?.href } });
  let onValidated!: (result: CheckResult) => void;
  const validated = new Promise<CheckResult>((resolve) => (onValidated = resolve));
  const done = new Promise<number>((resolve, reject) => {
    let files: number | undefined;
    thread.on("message", (message: PublishThreadMessage) => {
      if (message.kind === "entries") onEntries(message.entries, message.pages);
      else if (message.kind === "validated") {
        const { kind: _kind, ...result } = message;
        onValidated(result);
      } else files = message.files;
    });
    thread.once("error", reject);
    thread.once("exit", (code) =>
      files !== undefined
        ? resolve(files)
        : reject(new Error(`the publish thread validating the entries and writing the published files stopped (exit code ${code})`)),
    );
  });
  done.catch(() => {});
  return {
    // A thread that fails before it has validated fails the validation too.
    validated: Promise.race([validated, done.then(() => validated)]),
    writePublishedFiles(outDir) {
      thread.postMessage({ outDir });
      return done;
    },
    async stop() {
      await thread.terminate();
    },
  };
}
