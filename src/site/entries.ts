// What the site's pages are built from. In a build the publish thread validates the entries
// (src/integrations/registry-site.ts) and writes each checkpoint page's content as soon as its entry and its
// variants' entries have passed the contract, then the catalog's content with the folder's verdict: a checkpoint
// page waits for its own content only, so pages render while the folder is still being read, the catalog waits
// for the verdict, and the rendering thread never holds the entries. A folder with a problem ends the build
// (registry-site.ts); a publish thread that fails fails every page that waits. Outside a build (the dev server)
// the folder is validated on first use and each page's content made on request.
import { basename, resolve } from "node:path";
import { defaultEntriesDir, listEntryFiles, type LoadedEntry } from "../registry/entries.ts";
import { loadValidEntries } from "../registry/validate.ts";
import { catalogContent, type CatalogContent } from "./catalog-content.ts";
import { checkpointPageIn, type CheckpointPage } from "./checkpoint-page/page.ts";

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
  catalog: Promise<CatalogContent>;
  page(id: string, site: URL | undefined): Promise<CheckpointPage | undefined>;
}

/** What the build feeds the pages: checkpoint pages as they are written, then the verdict with the catalog. */
export interface SiteFeed {
  add(pages: readonly ReadyPage[]): void;
  /** The folder passed: every checkpoint page has come, and the catalog with it. */
  finish(catalog: CatalogContent): void;
  /** The publish thread failed: every page that waits fails with `error`. */
  fail(error: Error): void;
}

// Astro runs the integration's hooks and the pages from separately bundled copies of this module, in the same
// process: a process-wide slot hands the pages what the hook feeds.
const slot = Symbol.for("fiab-model-registry.site-source");
type Slot = { [slot]?: Source };

export function provideSiteContent(): SiteFeed {
  const pages = new Map<string, CheckpointPage>();
  const waiting = new Map<string, Array<(page: CheckpointPage | undefined) => void>>();
  let onCatalog!: (catalog: CatalogContent) => void;
  let onFailure!: (error: Error) => void;
  const catalog = new Promise<CatalogContent>((res, rej) => ((onCatalog = res), (onFailure = rej)));
  catalog.catch(() => {}); // reported by the pages that wait for it
  let settled = false;
  (globalThis as Slot)[slot] = {
    catalog,
    page(id) {
      const page = pages.get(id);
      // Each page is taken once: the build holds no page it has written.
      pages.delete(id);
      if (page || settled) return page ? Promise.resolve(page) : catalog.then(() => undefined);
      return new Promise((res, rej) => {
        waiting.set(id, [...(waiting.get(id) ?? []), res]);
        catalog.catch(rej);
      });
    },
  };
  return {
    add(ready) {
      for (const { id, page } of ready) {
        const resolvers = waiting.get(id);
        if (!resolvers) pages.set(id, page);
        else for (const res of resolvers) res(page);
        waiting.delete(id);
      }
    },
    finish(content) {
      settled = true;
      for (const resolvers of waiting.values()) for (const res of resolvers) res(undefined);
      waiting.clear();
      onCatalog(content);
    },
    fail(error) {
      settled = true;
      waiting.clear();
      pages.clear();
      onFailure(error);
    },
  };
}

let validated: { dir: string; entries: Promise<LoadedEntry[]> } | undefined;

/**
 * Every valid entry of the folder, validated in this thread on first use; rejects when the folder has a problem.
 * For the dev server's routes: a build's pages take what the publish thread made.
 */
export function siteEntries(): Promise<LoadedEntry[]> {
  const dir = siteEntriesDir();
  if (validated?.dir !== dir) validated = { dir, entries: loadValidEntries(dir) };
  return validated.entries;
}

function source(): Source {
  return ((globalThis as Slot)[slot] ??= {
    catalog: siteEntries().then((entries) => catalogContent(entries, siteEntriesDir())),
    async page(id, site) {
      const byId = new Map((await siteEntries()).map((e) => [e.id, e.entry]));
      const entry = byId.get(id);
      return entry && checkpointPageIn(siteEntriesDir(), id, entry, (v) => byId.get(v), site);
    },
  });
}

/** The catalog's content, once the whole folder has passed. */
export function siteCatalog(): Promise<CatalogContent> {
  return source().catalog;
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
