// Reading the entries folder: one <checkpointId>.json per checkpoint, checked against the strict contract.
import { readFile, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import fg from "fast-glob";
import { checkpointIdPattern, parseEntry, type Entry } from "../contract/index.ts";
import { JsonSyntaxError, parseJsonText } from "../files/json-text.ts";
import type { Problem } from "./problem.ts";

export const defaultEntriesDir = "entries";
/** Entries are hand-sized documents; anything bigger is a mistake, not a checkpoint. */
export const maxEntryBytes = 16 * 1024 * 1024;

export interface LoadedEntry {
  id: string;
  file: string;
  entry: Entry;
}

export interface LoadResult {
  /** How many entry files were read, valid or not. */
  files: number;
  /** Ids of all entry files, valid or not: a variant naming an invalid entry is not a second problem. */
  ids: Set<string>;
  entries: LoadedEntry[];
  problems: Problem[];
}

export function entryFile(entriesDir: string, id: string): string {
  return join(entriesDir, `${id}.json`);
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** Entry files in code-point order of their ids, so every output is in the same order on every machine. */
export async function listEntryFiles(entriesDir: string): Promise<string[]> {
  const files = await fg("*.json", { cwd: entriesDir, absolute: true, onlyFiles: true, dot: false });
  return files.sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0));
}

async function loadOne(path: string): Promise<{ entry?: LoadedEntry; problems: Problem[] }> {
  const file = displayPath(path);
  const id = basename(path, ".json");
  const problems: Problem[] = [];
  if (!checkpointIdPattern.test(id)) {
    problems.push({ file, message: `file name "${id}" is not a valid checkpoint id: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters` });
  }
  const { size } = await stat(path);
  if (size > maxEntryBytes) return { problems: [...problems, { file, message: `file is ${size} bytes, over the ${maxEntryBytes}-byte cap for an entry` }] };
  let doc: unknown;
  try {
    doc = parseJsonText(await readFile(path, "utf8"));
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { problems: [...problems, { file, line: error.line, column: error.column, message: error.message }] };
  }
  const version = (doc as { schemaVersion?: unknown } | null)?.schemaVersion;
  const parsed = parseEntry(doc);
  if (!parsed.ok) {
    for (const p of parsed.problems) {
      const message = p.path === "schemaVersion" && typeof version === "number" && version > 1
        ? `entry is written for schema version ${version}, newer than this tooling knows (1): update the registry tooling`
        : p.message;
      problems.push({ file, ...p, message });
    }
    return { problems };
  }
  return { entry: { id, file, entry: parsed.entry }, problems };
}

/** Reads and checks every entry file; problems are collected, never thrown, so all are reported at once. */
export async function loadEntries(entriesDir: string): Promise<LoadResult> {
  const files = await listEntryFiles(entriesDir);
  const entries: LoadedEntry[] = [];
  const problems: Problem[] = [];
  const batch = 256;
  for (let i = 0; i < files.length; i += batch) {
    const results = await Promise.all(files.slice(i, i + batch).map(loadOne));
    for (const r of results) {
      if (r.entry) entries.push(r.entry);
      problems.push(...r.problems);
    }
  }
  return { files: files.length, ids: new Set(files.map((f) => basename(f, ".json"))), entries, problems };
}
