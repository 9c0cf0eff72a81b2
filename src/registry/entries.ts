// Reading the entries folder: one <checkpointId>.json per checkpoint, each file read with every bound
// (regular file, size, UTF-8, syntax, depth, duplicate keys, string caps) and then checked against the
// strict contract. Files are read synchronously: thousands of small files, one after another, are read
// fastest without a promise per step.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { checkpointIdPattern, parseEntry, schemaVersion, type Entry } from "../contract/index.ts";
import { decodeUtf8, JsonTextError, parseJsonDocument } from "../files/json-document.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { checkEntryLimits, entryLimits } from "./entry-limits.ts";
import { RegistryInvalidError, type Problem } from "./problem.ts";
import { errorCode, errorMessage } from "../errors.ts";

export const defaultEntriesDir = "entries";

export interface LoadedEntry {
  id: string;
  file: string;
  entry: Entry;
}

const idRule = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters";

export function entryFile(entriesDir: string, id: string): string {
  return join(entriesDir, `${id}.json`);
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** Entry files (`*.json`, not hidden) in code-point order of their ids, the same order on every machine. */
export function listEntryFiles(entriesDir: string): string[] {
  return readdirSync(entriesDir)
    .filter((name) => name.endsWith(".json") && !name.startsWith("."))
    .sort(byCodePoint)
    .map((name) => join(entriesDir, name));
}

export interface EntryDocument {
  /** For messages: relative to the working directory when inside it. */
  file: string;
  text: string;
  doc: unknown;
}

/**
 * The bytes of a regular file of at most `maxBytes`, refusing a link or anything but a regular file: opened
 * without following a link or waiting on a FIFO, then checked on the open descriptor, so that nothing can be
 * swapped in between the check and the read.
 */
function readBoundedFile(path: string, maxBytes: number): { bytes: Buffer } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ELOOP") return { problem: "is a symbolic link: entry files must be regular files (a link can point outside the entries folder)" };
    return { problem: `cannot read (${code ?? errorMessage(error)})` };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { problem: "is not a regular file" };
    if (info.size > maxBytes) return { problem: `file is ${info.size} bytes, over the ${maxBytes}-byte cap for an entry` };
    // One byte more than the size: a file that grew since fstat is caught rather than cut.
    const bytes = Buffer.allocUnsafe(info.size + 1);
    let length = 0;
    for (let n; length < bytes.length && (n = readSync(fd, bytes, length, bytes.length - length, null)) > 0;) length += n;
    if (length > maxBytes) return { problem: `file is over the ${maxBytes}-byte cap for an entry` };
    return { bytes: bytes.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}

/** One entry file as a JSON document, read within every bound; problems instead of exceptions. */
export function readEntryDocument(path: string): { document?: EntryDocument; problems: Problem[] } {
  const file = displayPath(path);
  const fail = (message: string, at?: { line: number; column: number }) => ({ problems: [{ file, message, ...at }] });
  const read = readBoundedFile(path, entryLimits.maxBytes);
  if ("problem" in read) return fail(read.problem);
  let text: string;
  let doc: unknown;
  try {
    text = decodeUtf8(read.bytes);
    // The structure check also refuses lone surrogates, so the contract need not look for them again.
    doc = parseJsonDocument(text, { maxDepth: entryLimits.maxDepth });
  } catch (error) {
    if (error instanceof JsonTextError) return fail(error.message, { line: error.line, column: error.column });
    throw error;
  }
  const limits = checkEntryLimits(doc, text.length);
  if (limits.length > 0) return { problems: limits.map((p) => ({ file, path: p.path, message: p.message })) };
  return { document: { file, text, doc }, problems: [] };
}

function loadOne(path: string): { entry?: LoadedEntry; problems: Problem[] } {
  const id = basename(path, ".json");
  const problems: Problem[] = [];
  const read = readEntryDocument(path);
  if (!checkpointIdPattern.test(id)) problems.push({ file: displayPath(path), message: `file name "${id}" is not a valid checkpoint id: use ${idRule}` });
  if (!read.document) return { problems: [...problems, ...read.problems] };
  const { file, doc } = read.document;
  const version = (doc as { schemaVersion?: unknown } | null)?.schemaVersion;
  const parsed = parseEntry(doc, { wellFormedText: true });
  if (!parsed.ok) {
    for (const p of parsed.problems) {
      const message =
        p.path === "schemaVersion" && typeof version === "number" && version > schemaVersion
          ? `entry is written for schema version ${version}, newer than this tooling knows (${schemaVersion}): update the registry tooling`
          : p.message;
      problems.push({ file, ...p, message });
    }
    return { problems };
  }
  return { entry: { id, file, entry: parsed.entry }, problems };
}

export interface ScanResult {
  /** How many entry files were read, valid or not. */
  files: number;
  /** Ids of all entry files, valid or not: a variant naming an invalid entry is not a second problem. */
  ids: Set<string>;
  problems: Problem[];
}

/** Reads and checks the files one at a time, handing each valid entry to `visit`; a step per file. */
function* scanSteps(files: readonly string[], visit: (entry: LoadedEntry) => void, problems: Problem[]): Generator<void> {
  for (const path of files) {
    const r = loadOne(path);
    if (r.entry) visit(r.entry);
    problems.push(...r.problems);
    yield;
  }
}

const scanResult = (files: readonly string[], problems: Problem[]): ScanResult => ({
  files: files.length,
  ids: new Set(files.map((f) => basename(f, ".json"))),
  problems,
});

/**
 * Reads and checks every entry file in id order, handing each valid entry to `visit` as it is read, so that a
 * caller that does not keep them all (validate) holds one at a time; problems are collected, never thrown, so
 * that all are reported at once.
 */
export function scanEntries(entriesDir: string, visit: (entry: LoadedEntry) => void): ScanResult {
  const files = listEntryFiles(entriesDir);
  const problems: Problem[] = [];
  for (const _ of scanSteps(files, visit, problems));
  return scanResult(files, problems);
}

/** scanEntries for a caller with other work under way (the build's publish thread): gives way to it every `every` files. */
export async function scanEntriesGivingWay(entriesDir: string, visit: (entry: LoadedEntry) => void, every: number): Promise<ScanResult> {
  const files = listEntryFiles(entriesDir);
  const problems: Problem[] = [];
  let read = 0;
  for (const _ of scanSteps(files, visit, problems)) if (++read % every === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  return scanResult(files, problems);
}

/** The path of entry `id` in the folder, refusing anything that is not an id (it could leave the folder). */
export function checkedEntryFile(entriesDir: string, id: string): string {
  if (!checkpointIdPattern.test(id)) {
    throw new RegistryInvalidError(entriesDir, [{ file: entriesDir, message: `${JSON.stringify(id)} is not a checkpoint id: use ${idRule}` }]);
  }
  return entryFile(entriesDir, id);
}

/** One entry by id, checked as validate checks its file (not across entries); throws RegistryInvalidError. */
export function loadEntry(entriesDir: string, id: string): LoadedEntry {
  const path = checkedEntryFile(entriesDir, id);
  const { entry, problems } = loadOne(path);
  if (!entry || problems.length > 0) throw new RegistryInvalidError(displayPath(path), problems);
  return entry;
}

/** One entry file's document, as written (unknown fields and key order kept), for tools that edit it in place. */
export function readEntryForUpdate(entriesDir: string, id: string): EntryDocument {
  const path = checkedEntryFile(entriesDir, id);
  const { document, problems } = readEntryDocument(path);
  if (!document) throw new RegistryInvalidError(displayPath(path), problems);
  return document;
}
