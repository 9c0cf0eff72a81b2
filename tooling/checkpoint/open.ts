// Opening a checkpoint given on the command line: a local path or an http(s) URL, and what is known about
// the file itself (URL, size, sha256, ETag), hashing it when asked.
import { basename } from "node:path";
import type { HttpSource } from "../http/range-source.ts";
import type { ByteSource } from "../source/byte-source.ts";
import { FileSource } from "../source/file-source.ts";
import { sha256OfFile } from "../source/sha256.ts";

export interface OpenedCheckpoint {
  source: ByteSource;
  remote: HttpSource | undefined;
  local: FileSource | undefined;
  /** The file name the checkpoint id defaults to. */
  fileName: string;
}

export function isUrl(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

export interface OpenOptions {
  allowFullDownload: boolean;
  timeoutMs: number;
  /** Read from loopback and private addresses too (tests, closed networks). */
  allowPrivateNetwork: boolean;
}

export async function openCheckpoint(target: string, options: OpenOptions): Promise<OpenedCheckpoint> {
  if (!isUrl(target)) {
    const local = await FileSource.open(target);
    return { source: local, remote: undefined, local, fileName: basename(target) };
  }
  // HTTP is loaded only for URLs: a local file starts faster without it.
  const { openHttpSource } = await import("../http/range-source.ts");
  const { allowFullDownload, timeoutMs, allowPrivateNetwork } = options;
  const remote = await openHttpSource(target, { allowFullDownload, timeoutMs, allowPrivateNetwork });
  return { source: remote, remote, local: undefined, fileName: basename(new URL(target).pathname) };
}

/** What reading the checkpoint cost: HTTP requests (0 for a local file) and bytes read, of the file's size. */
export function transferOf(opened: OpenedCheckpoint): { requests: number; bytes: number; fileBytes: number } {
  const { remote, local, source } = opened;
  return { requests: remote?.stats.requests ?? 0, bytes: remote?.stats.bytes ?? local?.bytesRead ?? 0, fileBytes: source.size };
}

export interface DigestOptions {
  hash: boolean;
  timeoutMs: number;
  allowPrivateNetwork: boolean;
  onProgress?: (done: number) => void;
  warn: (message: string) => void;
}

/** sha256 from Hugging Face's X-Linked-Etag when it is one (and sizes agree), else by hashing if asked. */
export async function checkpointDigest(opened: OpenedCheckpoint, target: string, options: DigestOptions): Promise<string | undefined> {
  const { remote, source } = opened;
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  if (remote) {
    const linked = remote.linkedEtag?.toLowerCase();
    if (linked && /^[0-9a-f]{64}$/.test(linked) && (remote.linkedSize === undefined || remote.linkedSize === source.size)) return linked;
    if (!options.hash) return undefined;
    const { downloadToHash } = await import("../http/download.ts");
    const result = await downloadToHash(target, {
      timeoutMs: options.timeoutMs,
      allowPrivateNetwork: options.allowPrivateNetwork,
      maxBytes: source.size,
      ...progress,
    });
    if (result.size !== source.size) options.warn(`${target} served ${result.size} bytes while hashing, ${source.size} when read`);
    return result.sha256;
  }
  return options.hash ? sha256OfFile(target, options.onProgress) : undefined;
}

/** A checkpoint id from a file name: "aifs-single-mse-1.1.ckpt" -> "aifs-single-mse-1.1". */
export function idFromFileName(fileName: string): string {
  return fileName
    .replace(/\.(ckpt|pt|pth|zip)$/i, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 128);
}
