// Each entry's history from git, read once per build: the commits that changed its file, newest first, with
// the committer date and subject. Only committed history counts (never the wall clock or the work tree), so a
// build of one commit shows the same dates every time; outside git, or for a file git does not track, there is
// none and the page says so.
import { execFileSync } from "node:child_process";
import { basename } from "node:path";

export interface EntryChangeRecord {
  commit: string;
  /** Committer date, YYYY-MM-DD (UTC). */
  date: string;
  subject: string;
}

// A registry of 10,000 entries changed a few times each stays far below this.
const maxLogBytes = 64 * 1024 * 1024;
const maxPerEntry = 20;

/** Commits that changed each file of `entriesDir`, by file name, newest first (at most 20 each). */
export function readEntryHistory(entriesDir: string): Map<string, EntryChangeRecord[]> {
  const history = new Map<string, EntryChangeRecord[]>();
  let log: string;
  try {
    log = execFileSync("git", ["log", "--no-renames", "--format=%x1e%H%x1f%ct%x1f%s", "--name-only", "--", "."], {
      cwd: entriesDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 20_000,
      maxBuffer: maxLogBytes,
    });
  } catch {
    return history;
  }
  for (const block of log.split("\x1e")) {
    const [head, ...files] = block.split("\n").filter((line) => line !== "");
    const [commit, time, subject = ""] = head?.split("\x1f") ?? [];
    if (!commit || !/^[0-9a-f]{40,64}$/.test(commit) || !time) continue;
    const date = new Date(Number(time) * 1000).toISOString().slice(0, 10);
    for (const file of files) {
      if (!file.endsWith(".json")) continue;
      const records = history.get(basename(file)) ?? [];
      if (records.length < maxPerEntry) records.push({ commit, date, subject: subject.slice(0, 300) });
      history.set(basename(file), records);
    }
  }
  return history;
}

let cached: { dir: string; history: Map<string, EntryChangeRecord[]> } | undefined;

/** The history of entry `id` in `entriesDir`, the folder's log read on first use. */
export function entryHistory(entriesDir: string, id: string): EntryChangeRecord[] {
  if (cached?.dir !== entriesDir) cached = { dir: entriesDir, history: readEntryHistory(entriesDir) };
  return cached.history.get(`${id}.json`) ?? [];
}
