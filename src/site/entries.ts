// The entries the site is built from, shared by all pages of one build process. In a build they arrive from the
// publish thread a batch at a time while it validates them (src/integrations/registry-site.ts): a checkpoint's
// page waits for its own entry only, so pages render while the folder is still being read, and the pages that
// need every entry (the catalog) wait for the folder's verdict. A folder with a problem fails every page that
// waits, and the build with them. Outside a build (the dev server), the folder is validated on first use.
import { basename, resolve } from "node:path";
import { defaultEntriesDir, listEntryFiles, type LoadedEntry } from "../registry/entries.ts";
import { loadValidEntries } from "../registry/validate.ts";

/** The build reads REGISTRY_ENTRIES when set (benchmarks and tests build other folders), else entries/. */
export function siteEntriesDir(): string {
  return resolve(process.env.REGISTRY_ENTRIES ?? defaultEntriesDir);
}

interface Source {
  all: Promise<LoadedEntry[]>;
  one(id: string): Promise<LoadedEntry | undefined>;
}

/** What the build feeds the pages: entries as they pass the contract, then the folder's verdict. */
export interface SiteEntriesFeed {
  add(entries: readonly LoadedEntry[]): void;
  /** Every entry has arrived and the folder passed. */
  finish(): void;
  /** The folder failed: every page that waits fails with `error`. */
  fail(error: Error): void;
}

// Astro runs the integration's hooks and the pages from separately bundled copies of this module, in the same
// process: a process-wide slot hands the pages what the hook feeds.
const slot = Symbol.for("fiab-model-registry.site-entries");
type Slot = { [slot]?: Source };

export function provideSiteEntries(): SiteEntriesFeed {
  const arrived = new Map<string, LoadedEntry>();
  const waiting = new Map<string, Array<(entry: LoadedEntry | undefined) => void>>();
  let onAll!: (entries: LoadedEntry[]) => void;
  let onFailure!: (error: Error) => void;
  const all = new Promise<LoadedEntry[]>((res, rej) => ((onAll = res), (onFailure = rej)));
  all.catch(() => {}); // reported by the pages that wait for it
  let settled = false;
  (globalThis as Slot)[slot] = {
    all,
    one(id) {
      const entry = arrived.get(id);
      if (entry || settled) return entry ? Promise.resolve(entry) : all.then(() => undefined);
      return new Promise((res, rej) => {
        waiting.set(id, [...(waiting.get(id) ?? []), res]);
        all.catch(rej);
      });
    },
  };
  return {
    add(entries) {
      for (const entry of entries) {
        arrived.set(entry.id, entry);
        for (const res of waiting.get(entry.id) ?? []) res(entry);
        waiting.delete(entry.id);
      }
    },
    finish() {
      settled = true;
      for (const resolvers of waiting.values()) for (const res of resolvers) res(undefined);
      waiting.clear();
      onAll([...arrived.values()]);
    },
    fail(error) {
      settled = true;
      waiting.clear();
      onFailure(error);
    },
  };
}

function source(): Source {
  return ((globalThis as Slot)[slot] ??= (() => {
    const all = loadValidEntries(siteEntriesDir());
    return { all, one: (id: string) => all.then((entries) => entries.find((e) => e.id === id)) };
  })());
}

/** Every valid entry, in id order; rejects when the folder has a problem. */
export function siteEntries(): Promise<LoadedEntry[]> {
  return source().all;
}

/** One entry as soon as it has passed the contract; undefined when the folder has none of that id. */
export function siteEntry(id: string): Promise<LoadedEntry | undefined> {
  return source().one(id);
}

/** The ids of the folder's entry files, in id order, before any is read: the checkpoint pages to render. */
export function siteEntryIds(): string[] {
  return listEntryFiles(siteEntriesDir()).map((file) => basename(file, ".json"));
}
