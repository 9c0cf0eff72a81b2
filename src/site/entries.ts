// The entries the site is built from, shared by all pages of one build process. In a build the publish thread
// validates them (src/integrations/registry-site.ts) and hands over each entry as it passes the contract, with its
// checkpoint page's content once the entries of its variants have passed too: a checkpoint page waits for its own
// content only, so pages render while the folder is still being read, and the pages that need every entry (the
// catalog) wait for the folder's verdict. A folder with a problem fails every page that waits, and the build with
// them. Outside a build (the dev server) the folder is validated on first use and each page written here.
import { basename, resolve } from "node:path";
import { defaultEntriesDir, listEntryFiles, type LoadedEntry } from "../registry/entries.ts";
import { loadValidEntries } from "../registry/validate.ts";
import { checkpointPage, variantLinks, type CheckpointPage } from "./checkpoint-page/page.ts";
import { entryHistory } from "./entry-history.ts";

/** The build reads REGISTRY_ENTRIES when set (benchmarks and tests build other folders), else entries/. */
export function siteEntriesDir(): string {
  return resolve(process.env.REGISTRY_ENTRIES ?? defaultEntriesDir);
}

/** A checkpoint page's content, written where its entry was validated. */
export interface ReadyPage {
  id: string;
  page: CheckpointPage;
}

interface Source {
  all: Promise<LoadedEntry[]>;
  page(id: string, site: URL | undefined): Promise<CheckpointPage | undefined>;
}

/** What the build feeds the pages: entries and pages as they are ready, then the folder's verdict. */
export interface SiteEntriesFeed {
  add(entries: readonly LoadedEntry[], pages: readonly ReadyPage[]): void;
  /** Everything has arrived and the folder passed. */
  finish(): void;
  /** The folder failed: every page that waits fails with `error`. */
  fail(error: Error): void;
}

// Astro runs the integration's hooks and the pages from separately bundled copies of this module, in the same
// process: a process-wide slot hands the pages what the hook feeds.
const slot = Symbol.for("fiab-model-registry.site-entries");
type Slot = { [slot]?: Source };

export function provideSiteEntries(): SiteEntriesFeed {
  const entries: LoadedEntry[] = [];
  const pages = new Map<string, CheckpointPage>();
  const waiting = new Map<string, Array<(page: CheckpointPage | undefined) => void>>();
  let onAll!: (entries: LoadedEntry[]) => void;
  let onFailure!: (error: Error) => void;
  const all = new Promise<LoadedEntry[]>((res, rej) => ((onAll = res), (onFailure = rej)));
  all.catch(() => {}); // reported by the pages that wait for it
  let settled = false;
  (globalThis as Slot)[slot] = {
    all,
    page(id) {
      const page = pages.get(id);
      // Each page is taken once: the build holds no page it has written.
      pages.delete(id);
      if (page || settled) return page ? Promise.resolve(page) : all.then(() => undefined);
      return new Promise((res, rej) => {
        waiting.set(id, [...(waiting.get(id) ?? []), res]);
        all.catch(rej);
      });
    },
  };
  return {
    add(arrived, ready) {
      entries.push(...arrived);
      for (const { id, page } of ready) {
        const resolvers = waiting.get(id);
        if (!resolvers) pages.set(id, page);
        else for (const res of resolvers) res(page);
        waiting.delete(id);
      }
    },
    finish() {
      settled = true;
      for (const resolvers of waiting.values()) for (const res of resolvers) res(undefined);
      waiting.clear();
      onAll(entries);
    },
    fail(error) {
      settled = true;
      waiting.clear();
      pages.clear();
      onFailure(error);
    },
  };
}

function source(): Source {
  return ((globalThis as Slot)[slot] ??= (() => {
    const dir = siteEntriesDir();
    const all = loadValidEntries(dir);
    return {
      all,
      async page(id: string, site: URL | undefined) {
        const entries = await all;
        const byId = new Map(entries.map((e) => [e.id, e.entry]));
        const entry = byId.get(id);
        return entry && checkpointPage({ id, entry, variants: variantLinks(entry, (v) => byId.get(v)), history: entryHistory(dir, id), site });
      },
    };
  })());
}

/** Every valid entry, in id order; rejects when the folder has a problem. */
export function siteEntries(): Promise<LoadedEntry[]> {
  return source().all;
}

/**
 * The content of entry `id`'s page as soon as it is written; undefined when the folder has no entry of that id.
 * `site`, the catalog's public address, is the one the build gave its publish thread.
 */
export function siteCheckpointPage(id: string, site: URL | undefined): Promise<CheckpointPage | undefined> {
  return source().page(id, site);
}

/** The ids of the folder's entry files, in id order, before any is read: the checkpoint pages to render. */
export function siteEntryIds(): string[] {
  return listEntryFiles(siteEntriesDir()).map((file) => basename(file, ".json"));
}
