// The entries the site is built from, loaded and validated once per build process and shared by all pages.
import { resolve } from "node:path";
import { defaultEntriesDir, type LoadedEntry } from "./entries.ts";
import { loadValidEntries } from "./validate.ts";

/** The build reads REGISTRY_ENTRIES when set (benchmarks and tests build other folders), else entries/. */
export function siteEntriesDir(): string {
  return resolve(process.env.REGISTRY_ENTRIES ?? defaultEntriesDir);
}

let loaded: Promise<LoadedEntry[]> | undefined;

export function siteEntries(): Promise<LoadedEntry[]> {
  loaded ??= loadValidEntries(siteEntriesDir());
  return loaded;
}

export async function siteEntry(id: string): Promise<LoadedEntry> {
  const entry = (await siteEntries()).find((e) => e.id === id);
  if (!entry) throw new Error(`no entry ${id}`);
  return entry;
}
