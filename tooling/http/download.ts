// `--hash` on a remote checkpoint: stream the whole file through sha256 without keeping it, in memory
// or on disk. A failure mid-stream restarts from zero: a half-fed hash cannot be rewound.
import { createHash } from "node:crypto";
import { readBody, contentLength, statusError } from "./body.ts";
import { HttpNetworkError } from "./errors.ts";
import { resolveHttpOptions, type HttpOptions } from "./options.ts";
import { checkUrl, HttpClient, type HttpStats } from "./request.ts";
import { withRetries } from "./retry.ts";

export interface DownloadOptions extends HttpOptions {
  /** Called as bytes arrive; `total` is the announced Content-Length, when there is one. */
  onProgress?: (done: number, total: number | undefined) => void;
}

export interface DownloadResult {
  /** Lower-case hex. */
  sha256: string;
  size: number;
  finalUrl: string;
  /** Hugging Face's X-Linked-Etag (the expected sha256 of an LFS file), when the server sent one. */
  linkedEtag: string | undefined;
  stats: HttpStats;
}

export async function downloadToHash(url: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { onProgress, ...httpOptions } = options;
  const client = new HttpClient(checkUrl(url), resolveHttpOptions(httpOptions));
  return withRetries(client.options, async () => {
    const exchange = await client.send(url);
    if (exchange.response.status !== 200) throw statusError(exchange, "200 OK");
    const total = contentLength(exchange.response.headers);
    const hash = createHash("sha256");
    let size = 0;
    await readBody(exchange, client.stats, (chunk) => {
      hash.update(chunk);
      size += chunk.byteLength;
      onProgress?.(size, total);
    }, total);
    if (total !== undefined && size !== total) {
      throw new HttpNetworkError(`body ended after ${size} of ${total} bytes`, { url: exchange.url, retryable: true });
    }
    return { sha256: hash.digest("hex"), size, finalUrl: exchange.url, linkedEtag: client.linkedEtag, stats: client.stats };
  });
}
