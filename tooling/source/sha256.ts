// sha256 of a local file, streamed in constant memory: the one digest of whole files (checkpoints in the
// cache, local checkpoints given to extract-basic-metadata --hash). node:crypto is loaded when a digest is
// asked for: commands that never hash start faster without it.
import { createReadStream } from "node:fs";

/** Lower-case hex digest; `onProgress` gets the bytes hashed so far. */
export async function sha256OfFile(path: string, onProgress?: (done: number) => void): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onProgress?.(done);
  }
  return hash.digest("hex");
}
