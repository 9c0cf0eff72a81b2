// The fallback for servers that ignore Range (--allow-full-download): the whole body goes to a temporary
// file, never to memory (checkpoints are gigabytes), and reads are served from it until close.
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSource } from "../source/file-source.ts";
import { discardBody, readBody } from "./body.ts";
import { HttpNetworkError, RangeMismatchError, TooLargeError } from "./errors.ts";
import type { Exchange, HttpStats } from "./request.ts";

export interface TempFile {
  readonly source: FileSource;
  /** Closes the file and deletes it. */
  dispose(): Promise<void>;
}

/** Streams a 200 body into a temporary file; deletes it again if anything goes wrong. */
export async function spoolToTempFile(exchange: Exchange, stats: HttpStats, maxBytes: number, announced?: number): Promise<TempFile> {
  let dir: string | undefined;
  const remove = async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  };
  try {
    dir = await mkdtemp(join(tmpdir(), "fiab-http-"));
    const path = join(dir, "body");
    const handle = await open(path, "w");
    let written = 0;
    try {
      await readBody(
        exchange,
        stats,
        async (chunk) => {
          written += chunk.byteLength;
          if (written > maxBytes) {
            throw new TooLargeError(`whole-file download passed the limit of ${maxBytes} bytes`, { url: exchange.url, range: exchange.range });
          }
          if (announced !== undefined && written > announced) {
            throw new RangeMismatchError(`body is longer than the ${announced} bytes announced`, { url: exchange.url, range: exchange.range });
          }
          // write() may write less than asked; loop until the chunk is down.
          for (let done = 0; done < chunk.byteLength;) {
            done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
          }
        },
        announced,
      );
    } finally {
      await handle.close();
    }
    if (announced !== undefined && written !== announced) {
      throw new HttpNetworkError(`body ended after ${written} of ${announced} bytes`, { url: exchange.url, range: exchange.range, retryable: true });
    }
    const source = await FileSource.open(path);
    return {
      source,
      dispose: async () => {
        await source.close().catch(() => {});
        await remove();
      },
    };
  } catch (error) {
    discardBody(exchange);
    await remove();
    throw error;
  }
}
