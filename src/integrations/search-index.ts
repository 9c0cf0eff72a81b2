// The catalog's full-text index, built by Pagefind (a Rust binary run as a service) from the entries. It
// starts as soon as the entries are validated and is indexed and written beside Astro's rendering, on
// another core.
import * as pagefind from "pagefind";
import type { LoadedEntry } from "../registry/entries.ts";
import { searchRecord } from "../site/search-records.ts";

export interface SearchIndexJob {
  /** Writes the index to `outputPath` (the site's /pagefind/) and stops the service. */
  write(outputPath: string): Promise<{ records: number }>;
  /** Stops the service without writing. */
  cancel(): Promise<void>;
}

class SearchIndexError extends Error {}

const failed = (step: string, errors: readonly string[]) => new SearchIndexError(`search index: ${step} failed: ${errors.join("; ")}`);

export function startSearchIndex(entries: readonly LoadedEntry[]): SearchIndexJob {
  const built = (async () => {
    // Fragments bundled into at most 1,000 files: the catalog reads none (it counts ids through a filter),
    // and 10,000 files of one record each cost the build more to write than they are worth.
    const { index, errors } = await pagefind.createIndex({ forceLanguage: "en", maxFragments: 1000 });
    if (!index) throw failed("starting Pagefind", errors);
    const added = await Promise.all(entries.map(({ id, entry }) => index.addCustomRecord(searchRecord(id, entry))));
    const problems = added.flatMap((r) => r.errors);
    if (problems.length > 0) throw failed("adding records", problems);
    return index;
  })();
  // Reported when awaited in write(); without this a failure before then would be an unhandled rejection.
  built.catch(() => {});
  return {
    async write(outputPath) {
      try {
        const index = await built;
        const { errors } = await index.writeFiles({ outputPath });
        if (errors.length > 0) throw failed("writing", errors);
        return { records: entries.length };
      } finally {
        await pagefind.close();
      }
    },
    async cancel() {
      await pagefind.close();
    },
  };
}
