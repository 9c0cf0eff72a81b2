// Shared test helpers: the repository root, running the real CLI as a process, scratch entry folders.
import { readdirSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { repoRoot } from "./paths.ts";

export { fixture, repoRoot } from "./paths.ts";

const scratch: string[] = [];

/** Removes the folders `tempDir` made: after each test file (tests/support/after-each-file.ts). */
export async function removeScratch(): Promise<void> {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function tempDir(prefix = "registry-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/**
 * The tests' own entries: a copy of the shipped entries kept in tests/fixtures/entries/catalog (see its
 * SOURCES.md). No test reads or counts the live entries/ folder, which contributors change.
 */
export const fixtureEntriesDir = join(repoRoot, "tests", "fixtures", "entries", "catalog");

/** How many entries the fixture folder holds, counted, so that adding one changes no test. */
export const fixtureEntryCount = readdirSync(fixtureEntriesDir).filter((name) => name.endsWith(".json")).length;

/** A writable scratch copy of the fixture entries. */
export async function copyOfEntries(): Promise<string> {
  const dir = join(await tempDir(), "entries");
  await cp(fixtureEntriesDir, dir, { recursive: true });
  return dir;
}

export async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, "utf8"));
}

export async function editJson(path: string, edit: (doc: any) => void): Promise<void> {
  const doc = await readJson(path);
  edit(doc);
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * Runs the command line as `npm run registry` does (`node tooling/registry.mjs`: the bundle while it is
 * fresh, else the source) with the same Node that runs the tests (the pinned one).
 */
export function runCli(args: string[], options: { cwd?: string } = {}) {
  return execa(process.execPath, [join(repoRoot, "tooling", "registry.mjs"), ...args], { cwd: options.cwd ?? repoRoot, reject: false, env: { NO_COLOR: "1" } });
}
