// sha256 of a local file, streamed in constant memory, with progress.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { byteProgress } from "../cli/progress.ts";

export async function sha256OfFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const progress = byteProgress(`hashing ${path}`, size);
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    progress.update(done);
  }
  progress.finish();
  return hash.digest("hex");
}
