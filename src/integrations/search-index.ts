// The catalog's full-text index, built by Pagefind (a Rust binary run as a service) from the entries. Its records
// go to Pagefind as the entries pass the contract, so that it indexes them on another core while the pages
// render; the index is written once the folder has passed, and dropped when it has not.
import * as pagefind from "pagefind";
import type { LoadedEntry } from "../registry/entries.ts";
import { searchRecord } from "../site/search-records.ts";

export interface SearchIndexJob {
  /** Indexes these entries' records. */
  add(entries: readonly LoadedEntry[]): void;
  /** Writes the index to `outputPath` (the site's /pagefind/) and stops the service. */
  write(outputPath: string): Promise<{ records: number }>;
  /** Stops the service without writing. */
  cancel(): Promise<void>;
}

class SearchIndexError extends Error {}

const failed = (step: string, errors: readonly string[]) => new SearchIndexError(`search index: ${step} failed: ${errors.join("; ")}`);

export function startSearchIndex(): SearchIndexJob {
  const created = (async () => {
    // Fragments bundled into at most 1,000 files: the catalog reads none (it counts ids through a filter),
    // and 10,000 files of one record each cost the build more to write than they are worth.
    const { index, errors } = await pagefind.createIndex({ forceLanguage: "en", maxFragments: 1000 });
    if (!index) throw failed("starting Pagefind", errors);
    return index;
  })();
  const added: Array<Promise<readonly string[]>> = [];
  let records = 0;
  // Reported when awaited in write(); without this a failure before then would be an unhandled rejection.
  created.catch(() => {});
  return {
    add(entries) {
      records += entries.length;
      const batch = created.then((index) => Promise.all(entries.map(({ id, entry }) => index.addCustomRecord(searchRecord(id, entry)))));
      const errors = batch.then((results) => results.flatMap((r) => r.errors));
      errors.catch(() => {});
      added.push(errors);
    },
    async write(outputPath) {
      try {
        const index = await created;
        const problems = (await Promise.all(added)).flat();
        if (problems.length > 0) throw failed("adding records", problems);
        const { errors } = await index.writeFiles({ outputPath });
        if (errors.length > 0) throw failed("writing", errors);
        return { records };
      } finally {
        await pagefind.close();
      }
    },
    async cancel() {
      await pagefind.close();
    },
  };
}
