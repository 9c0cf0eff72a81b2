// The checkpoint file a command works on: an entry id (its URL downloaded into the cache and checked), a local
// file, or a URL (downloaded into the cache).
import { existsSync } from "node:fs";
import { checkpointIdPattern } from "../../src/contract/constants.ts";
import { RegistryError } from "../../src/errors.ts";
import { entryFile, loadEntry } from "../../src/registry/entries.ts";
import { cachedCheckpoint, type CacheOptions } from "./cache.ts";
import { isUrl } from "./open.ts";

export interface CheckpointFile {
  path: string;
  checkpointId?: string | undefined;
  sha256?: string | undefined;
}

export async function resolveCheckpoint(target: string, options: CacheOptions & { entriesDir: string }): Promise<CheckpointFile> {
  const { entriesDir, ...cache } = options;
  if (isUrl(target)) return { path: await cachedCheckpoint(target, {}, cache) };
  if (existsSync(target)) return { path: target };
  if (!checkpointIdPattern.test(target) || !existsSync(entryFile(entriesDir, target))) {
    throw new RegistryError(`"${target}" is neither a file, an http(s) URL, nor an entry in ${entriesDir}`, { exitCode: 2 });
  }
  const { entry } = loadEntry(entriesDir, target);
  const { url, sizeBytes, sha256 } = entry.source;
  return { path: await cachedCheckpoint(url, { sizeBytes, sha256 }, cache), checkpointId: target, sha256 };
}
