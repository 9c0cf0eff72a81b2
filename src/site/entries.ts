// The entries the site is built from, loaded and validated once per build process and shared by all pages.
import { resolve } from "node:path";
import { defaultEntriesDir, type LoadedEntry } from "../registry/entries.ts";
import { loadValidEntries } from "../registry/validate.ts";

/** The build reads REGISTRY_ENTRIES when set (benchmarks and tests build other folders), else entries/. */
export function siteEntriesDir(): string {
  return resolve(process.env.REGISTRY_ENTRIES ?? defaultEntriesDir);
}

// Astro validates in its integration hook and renders pages from a separately bundled copy of this
// module, in the same process: a process-wide slot lets the pages reuse the hook's validated entries.
const slot = Symbol.for("fiab-model-registry.site-entries");
type Slot = { [slot]?: Promise<LoadedEntry[]> };

/** Hands the pages of this build its validated entries, or the validation under way (a rejection fails the pages). */
export function provideSiteEntries(entries: LoadedEntry[] | Promise<LoadedEntry[]>): void {
  const provided = Promise.resolve(entries);
  provided.catch(() => {}); // reported by the pages that wait for it
  (globalThis as Slot)[slot] = provided;
}

export function siteEntries(): Promise<LoadedEntry[]> {
  (globalThis as Slot)[slot] ??= loadValidEntries(siteEntriesDir());
  return (globalThis as Slot)[slot]!;
}
