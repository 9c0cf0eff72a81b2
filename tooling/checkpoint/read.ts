// Reading a checkpoint without running it, from a path or a URL: its extraction (metadata, pickle scan), the
// facts about the file (size, sha256 when known, ETag) and what reading cost. The one sequence shared by
// extract-basic-metadata and the registry server's registrations.
import { extractCheckpoint, type Extraction } from "../anemoi/extract.ts";
import type { SourceFacts } from "../anemoi/entry-from-extraction.ts";
import { checkpointDigest, openCheckpoint, transferOf, type OpenOptions } from "./open.ts";

export interface ReadOptions extends OpenOptions {
  /** Compute the sha256 (local: while reading; remote: downloads the file unless the server gives it). */
  hash: boolean;
  onHashProgress?: (done: number, total: number) => void;
  warn: (message: string) => void;
}

export interface CheckpointReading {
  extraction: Extraction;
  /** Everything about the file but its URL, which the caller decides (a local file has none). */
  facts: Omit<SourceFacts, "url">;
  /** The file name the checkpoint id defaults to. */
  fileName: string;
  transfer: { requests: number; bytes: number; fileBytes: number };
}

export async function readCheckpoint(target: string, options: ReadOptions): Promise<CheckpointReading> {
  const { hash, onHashProgress, warn, ...open } = options;
  const opened = await openCheckpoint(target, open);
  try {
    const extraction = await extractCheckpoint(opened.source);
    const size = opened.source.size;
    const sha256 = await checkpointDigest(opened, target, {
      hash,
      timeoutMs: open.timeoutMs,
      allowPrivateNetwork: open.allowPrivateNetwork,
      ...(onHashProgress ? { onProgress: (done: number) => onHashProgress(done, size) } : {}),
      warn,
    });
    const etag = opened.remote?.etag;
    return {
      extraction,
      facts: { sizeBytes: size, ...(sha256 ? { sha256 } : {}), ...(etag ? { etag } : {}) },
      fileName: opened.fileName,
      transfer: transferOf(opened),
    };
  } finally {
    await opened.source.close();
  }
}
