// Opening a checkpoint given on the command line: a local path or an http(s) URL, and what is known about
// the file itself (URL, size, sha256, ETag), hashing it when asked.
import { basename } from "node:path";
import { downloadToHash } from "../http/download.ts";
import { openHttpSource, type HttpSource } from "../http/range-source.ts";
import { byteProgress } from "../cli/progress.ts";
import type { ByteSource } from "../source/byte-source.ts";
import { FileSource } from "../source/file-source.ts";
import { sha256OfFile } from "../source/sha256.ts";

export interface OpenedCheckpoint {
  source: ByteSource;
  remote: HttpSource | undefined;
  /** The file name the checkpoint id defaults to. */
  fileName: string;
}

export function isUrl(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

export async function openCheckpoint(target: string, options: { allowFullDownload: boolean; timeoutMs: number }): Promise<OpenedCheckpoint> {
  if (!isUrl(target)) return { source: await FileSource.open(target), remote: undefined, fileName: basename(target) };
  const remote = await openHttpSource(target, { allowFullDownload: options.allowFullDownload, timeoutMs: options.timeoutMs });
  return { source: remote, remote, fileName: basename(new URL(target).pathname) };
}

/** sha256 from Hugging Face's X-Linked-Etag when it is one (and sizes agree), else by hashing if asked. */
export async function checkpointDigest(opened: OpenedCheckpoint, target: string, hash: boolean, timeoutMs: number, log: (m: string) => void): Promise<string | undefined> {
  const { remote, source } = opened;
  if (remote) {
    const linked = remote.linkedEtag?.toLowerCase();
    if (linked && /^[0-9a-f]{64}$/.test(linked) && (remote.linkedSize === undefined || remote.linkedSize === source.size)) return linked;
    if (!hash) return undefined;
    const progress = byteProgress("hashing", source.size);
    const result = await downloadToHash(target, { timeoutMs, onProgress: (done) => progress.update(done) });
    progress.finish();
    if (result.size !== source.size) log(`warning: ${target} served ${result.size} bytes while hashing, ${source.size} when read`);
    return result.sha256;
  }
  return hash ? sha256OfFile(target, source.size) : undefined;
}

/** A checkpoint id from a file name: "aifs-single-mse-1.1.ckpt" -> "aifs-single-mse-1.1". */
export function idFromFileName(fileName: string): string {
  return fileName.replace(/\.(ckpt|pt|pth|zip)$/i, "").replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 128);
}
