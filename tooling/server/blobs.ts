// Uploaded files (the parts of log-run traces), kept by their sha256 in a folder beside the database: an
// upload is hashed as it is written, refused when its hash is not the one it was sent as or when it is over
// the cap, and only then renamed into place, so a file under a name is always whole and what the name says.
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { now, type Database } from "./database.ts";
import { HttpProblem } from "./problems.ts";

export const sha256Pattern = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly dir: string;
  readonly #db: Database;
  readonly maxBytes: number;

  constructor(db: Database, dir: string, maxBytes: number) {
    this.#db = db;
    // Absolute: comparisons link to these files from another folder.
    this.dir = resolve(dir);
    this.maxBytes = maxBytes;
    mkdirSync(join(this.dir, "tmp"), { recursive: true });
  }

  path(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return sha256Pattern.test(sha256) && existsSync(this.path(sha256)) && this.#db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?").get(sha256) !== undefined;
  }

  /** A small uploaded JSON document (a trace index), parsed; undefined when it is not JSON or too large. */
  readJson(sha256: string, maxBytes: number): unknown {
    const path = this.path(sha256);
    if (statSync(path).size > maxBytes) return undefined;
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return undefined;
    }
  }

  /** Stores `body` as `sha256`; false when it was already there (the body is then drained unread). */
  async put(sha256: string, body: Readable, declaredLength: number | undefined): Promise<{ created: boolean; size: number }> {
    if (declaredLength !== undefined && declaredLength > this.maxBytes) {
      body.resume();
      throw new HttpProblem(
        413,
        "too-large",
        "Content too large",
        `the upload is ${declaredLength} bytes, over the ${this.maxBytes}-byte cap (serve --max-upload-bytes)`,
      );
    }
    if (this.has(sha256)) {
      body.resume();
      return { created: false, size: statSync(this.path(sha256)).size };
    }
    const temp = join(this.dir, "tmp", randomUUID());
    const hash = createHash("sha256");
    let size = 0;
    const cap = this.maxBytes;
    try {
      await pipeline(
        body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > cap) throw new HttpProblem(413, "too-large", "Content too large", `the upload is over the ${cap}-byte cap (serve --max-upload-bytes)`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: "wx" }),
      );
      const actual = hash.digest("hex");
      if (actual !== sha256)
        throw new HttpProblem(422, "digest-mismatch", "Digest mismatch", `the upload's sha256 is ${actual}, not ${sha256} as its address says`);
      mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      await rename(temp, this.path(sha256));
      this.#db.prepare("INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING").run(sha256, size, now());
      return { created: true, size };
    } finally {
      rmSync(temp, { force: true });
    }
  }
}
