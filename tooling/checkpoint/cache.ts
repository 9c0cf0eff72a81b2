// The download cache of the commands that need a checkpoint file on disk (verify-unpickling, log-run): keyed
// by sha256 (else by URL), fetched through the one HTTP download path (retries, resume, Content-Range
// checks, a cap at the entry's size) and checked against the entry's size and sha256 before it is used.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { RegistryError } from "../../src/errors.ts";
import { downloadToFile } from "../http/download.ts";
import { sha256OfFile } from "../source/sha256.ts";

export class CheckpointFileError extends RegistryError {}

export function defaultCacheDir(): string {
  return process.env.REGISTRY_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "fiab-model-registry", "checkpoints");
}

export interface Expected {
  sizeBytes?: number | undefined;
  sha256?: string | undefined;
}

export interface CacheOptions {
  cacheDir: string;
  timeoutMs: number;
  /** Download from loopback and private addresses too (tests, closed networks; default false). */
  allowPrivateNetwork?: boolean;
  /** Cap when the entry gives no size (default 64 GiB). */
  maxBytes?: number;
  onProgress?: (done: number, total: number | undefined) => void;
}

/** What a URL without an entry may download: the largest checkpoints are a few GB. */
export const defaultMaxBytes = 64 * 1024 ** 3;

/** A cached copy of `url`, downloaded when missing, verified against what the entry says. */
export async function cachedCheckpoint(url: string, expected: Expected, options: CacheOptions): Promise<string> {
  const key = expected.sha256 ?? `url-${createHash("sha256").update(url).digest("hex")}`;
  await mkdir(options.cacheDir, { recursive: true });
  const path = join(options.cacheDir, `${key}.ckpt`);
  if (existsSync(path)) return path;
  const part = `${path}.part`;
  const maxBytes = expected.sizeBytes ?? options.maxBytes ?? defaultMaxBytes;
  const { timeoutMs, allowPrivateNetwork = false, onProgress } = options;
  await downloadToFile(url, part, { timeoutMs, allowPrivateNetwork, maxBytes, ...(onProgress ? { onProgress } : {}) });
  const size = (await stat(part)).size;
  if (expected.sizeBytes !== undefined && size !== expected.sizeBytes) {
    await rm(part, { force: true });
    throw new CheckpointFileError(`${url}: downloaded ${size} bytes, the entry says ${expected.sizeBytes}; the download was discarded`);
  }
  if (expected.sha256) {
    const actual = await sha256OfFile(part);
    if (actual !== expected.sha256) {
      await rm(part, { force: true });
      throw new CheckpointFileError(`${url}: sha256 ${actual} does not match the entry's ${expected.sha256}; the download was discarded`);
    }
  }
  await rename(part, path);
  return path;
}
