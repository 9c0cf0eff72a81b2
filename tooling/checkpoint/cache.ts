// The checkpoint file to verify: a local path, or a download into a cache keyed by sha256 (else by URL),
// resumed with a Range request after an interruption and checked against the known size and sha256.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { byteProgress } from "../cli/progress.ts";

export class CheckpointFileError extends Error {}

export function defaultCacheDir(): string {
  return process.env.REGISTRY_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "fiab-model-registry", "checkpoints");
}

export async function sha256OfPath(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface Expected {
  sizeBytes?: number | undefined;
  sha256?: string | undefined;
}

async function fetchTo(url: string, part: string, expected: Expected, timeoutMs: number): Promise<void> {
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: controller.signal, redirect: "follow" }).catch((error: Error) => {
    throw new CheckpointFileError(`GET ${url}: ${controller.signal.aborted ? `no response within ${timeoutMs / 1000} s` : error.message}`);
  });
  if (response.status !== 200 && response.status !== 206) throw new CheckpointFileError(`GET ${url}: HTTP ${response.status}`);
  const resume = response.status === 206 && have > 0;
  const total = expected.sizeBytes ?? (Number(response.headers.get("content-length")) || undefined);
  const file = await open(part, resume ? "a" : "w");
  const progress = byteProgress(`downloading ${url}`, total);
  let done = resume ? have : 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), timeoutMs);
      await file.write(chunk);
      done += chunk.length;
      if (expected.sizeBytes !== undefined && done > expected.sizeBytes) throw new CheckpointFileError(`GET ${url}: more than the expected ${expected.sizeBytes} bytes`);
      progress.update(done);
    }
  } catch (error) {
    if (error instanceof CheckpointFileError) throw error;
    throw new CheckpointFileError(`GET ${url}: interrupted after ${done} bytes (${controller.signal.aborted ? "stalled" : (error as Error).message}); run again to resume`);
  } finally {
    clearTimeout(timer);
    progress.finish();
    await file.close();
  }
}

/** A cached copy of `url`, downloaded (or resumed) when missing, verified against what the entry says. */
export async function cachedCheckpoint(url: string, expected: Expected, options: { cacheDir: string; timeoutMs: number }): Promise<string> {
  const key = expected.sha256 ?? `url-${createHash("sha256").update(url).digest("hex")}`;
  await mkdir(options.cacheDir, { recursive: true });
  const path = join(options.cacheDir, `${key}.ckpt`);
  if (existsSync(path)) return path;
  const part = `${path}.part`;
  await fetchTo(url, part, expected, options.timeoutMs);
  const size = (await stat(part)).size;
  if (expected.sizeBytes !== undefined && size !== expected.sizeBytes) {
    throw new CheckpointFileError(`${url}: downloaded ${size} bytes, the entry says ${expected.sizeBytes}; run again to resume`);
  }
  if (expected.sha256) {
    const actual = await sha256OfPath(part);
    if (actual !== expected.sha256) {
      await rm(part, { force: true });
      throw new CheckpointFileError(`${url}: sha256 ${actual} does not match the entry's ${expected.sha256}; the download was discarded`);
    }
  }
  await rename(part, path);
  return path;
}
