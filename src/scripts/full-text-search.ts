// Pagefind's full-text search, loaded on the first query from the site's /pagefind/ folder. The index
// gives every record an "entry" filter holding its checkpoint id, so one search says which ids match,
// without loading a fragment per result. Without the index (the dev server, a failed load) the catalog
// keeps its plain text filter.
interface PagefindApi {
  options(options: Record<string, unknown>): Promise<void>;
  filters(): Promise<Record<string, Record<string, number>>>;
  search(query: string): Promise<{ filters?: Record<string, Record<string, number>> } | null>;
}

let loading: Promise<PagefindApi | undefined> | undefined;

function load(): Promise<PagefindApi | undefined> {
  loading ??= (async () => {
    try {
      const url = "/pagefind/pagefind.js";
      const api = (await import(/* @vite-ignore */ url)) as PagefindApi;
      await api.options({ excerptLength: 0 });
      // Searches count results per filter value only once the filter index is loaded.
      await api.filters();
      return api;
    } catch {
      return undefined;
    }
  })();
  return loading;
}

/** Ids whose record matches the query, or undefined when full-text search is not available. */
export async function fullTextSearch(query: string): Promise<Set<string> | undefined> {
  const api = await load();
  if (!api) return undefined;
  const result = await api.search(query);
  const counts = result?.filters?.["entry"] ?? {};
  return new Set(
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([id]) => id),
  );
}
