// The build's side of its publish thread (publish-thread.ts): starts it, takes the checkpoint pages' content it
// hands over as the entries pass the contract, then its verdict on the folder with the catalog's content, and
// tells it where to write the published files and the search index. Astro bundles this integration, so the
// thread's module is found from the project root, where Node runs its TypeScript as it is.
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { CheckResult } from "../registry/validate.ts";
import type { CatalogContent } from "../site/catalog-content.ts";
import type { ReadyPage } from "../site/entries.ts";

/** The folder's verdict; when it passed, with the catalog's content. */
export interface Verdict extends CheckResult {
  catalog?: CatalogContent;
}

/** Batches of checkpoint pages as their entries pass, then the folder's verdict, then the files written. */
export type PublishThreadMessage = { kind: "pages"; pages: ReadyPage[] } | ({ kind: "validated" } & Verdict) | { kind: "written"; files: number };

export interface PublishThread {
  /** The folder's verdict, after every page went to `onPages`. */
  validated: Promise<Verdict>;
  /** Writes the published files and the search index into `outDir`; resolves with how many JSON files. */
  writePublishedFiles(outDir: string): Promise<number>;
  /** Stops the thread (a build that fails before rendering). */
  stop(): Promise<void>;
}

/** `site`: the catalog's public address, which the checkpoint pages name. */
export function startPublishThread(root: string, entriesDir: string, site: URL | undefined, onPages: (pages: ReadyPage[]) => void): PublishThread {
  const thread = new Worker(join(root, "src/integrations/publish-thread.ts"), { workerData: { entriesDir, site: site?.href } });
  let onValidated!: (result: Verdict) => void;
  const validated = new Promise<Verdict>((resolve) => (onValidated = resolve));
  const done = new Promise<number>((resolve, reject) => {
    let files: number | undefined;
    thread.on("message", (message: PublishThreadMessage) => {
      if (message.kind === "pages") onPages(message.pages);
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
