// A torch checkpoint seen as an archive: its one root folder and its members by path inside the root.
import type { ByteSource } from "../source/byte-source.ts";
import { readCentralDirectory, type DirectoryLimits, type ZipEntry } from "./central-directory.ts";
import { memberRange, readMember } from "./member.ts";
import { ZipFormatError } from "./zip-error.ts";

export interface CheckpointArchive {
  source: ByteSource;
  /** The single top-level folder (its name is arbitrary: "inference-last", "archive", the file's stem...). */
  root: string;
  entries: ZipEntry[];
  /** Entries whose last path component is `basename`. */
  byBasename(basename: string): ZipEntry[];
  /** The entry at `path` below the root, if any. */
  find(path: string): ZipEntry | undefined;
  prefetch(entries: readonly ZipEntry[]): Promise<void>;
  read(entry: ZipEntry, maxBytes: number): Promise<Uint8Array>;
}

export interface ArchiveOpening {
  limits?: DirectoryLimits;
  /**
   * The members about to be read, chosen by name from any subset of the directory: a remote source fetches
   * those it can see in its first read together with the rest of the directory, and all of them in one more
   * round once the directory is read.
   */
  wanted?: (entries: readonly ZipEntry[]) => ZipEntry[];
}

export async function openCheckpointArchive(source: ByteSource, opening: ArchiveOpening = {}): Promise<CheckpointArchive> {
  const { wanted } = opening;
  const ranges = (entries: readonly ZipEntry[]) => (wanted ? wanted(entries).map((e) => memberRange(e, source.size)) : []);
  const { entries } = await readCentralDirectory(source, { ...(opening.limits ? { limits: opening.limits } : {}), alongside: ranges });
  const roots = new Set(entries.map((e) => e.name.split("/")[0]!));
  const root = [...roots][0];
  if (roots.size !== 1 || root === undefined || entries.some((e) => !e.name.includes("/"))) {
    const shown = [...roots]
      .slice(0, 5)
      .map((r) => JSON.stringify(r))
      .join(", ");
    throw new ZipFormatError(source.name, `a torch checkpoint has exactly one top-level folder; found ${roots.size === 0 ? "none" : shown}`);
  }
  const byPath = new Map(entries.map((e) => [e.name.slice(root.length + 1), e]));
  if (wanted) await source.prefetch?.(ranges(entries));
  return {
    source,
    root,
    entries,
    byBasename: (basename) => entries.filter((e) => e.name === basename || e.name.endsWith(`/${basename}`)),
    find: (path) => byPath.get(path),
    prefetch: async (wanted) => {
      await source.prefetch?.(wanted.map((e) => memberRange(e, source.size)));
    },
    read: (entry, maxBytes) => readMember(source, entry, maxBytes),
  };
}
