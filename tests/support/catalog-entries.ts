// The catalog tests' own entries: a copy of the shipped entries kept in tests/fixtures/entries/catalog (see its
// SOURCES.md), so that the tests do not read or count the live entries/ folder.
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { fixture } from "./paths.ts";
import { tempDir } from "./helpers.ts";

export const catalogEntriesDir = fixture("entries/catalog");

/** A writable copy of the catalog fixture entries. */
export async function copyOfCatalogEntries(): Promise<string> {
  const dir = join(await tempDir(), "entries");
  await cp(catalogEntriesDir, dir, { recursive: true });
  return dir;
}
