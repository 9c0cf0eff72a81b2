// Fetching a published registry as FIAB does: a conditional GET against a cache (304 reuses it), the
// signature checked when a key is configured (a missing or bad one is an error, never a fallback), an older
// document than the one held refused (a rollback), the cached copy when the network is down, a pinned
// content-addressed revision, and every body size-capped. The registry is a static site (its
// /modelRegistry.json) or a registry server (a base URL ending in /api/v1 or /api/v1/checkpoints).
import type { ConsumedEntry } from "../contract/index.ts";
import { readCached, writeCached, type CachedDocument, type RegistryCache } from "./cache.ts";
import { readRegistry, type ReadWarning } from "./reader.ts";
import { maxSignatureBytes, parsePublicKey, sha256Hex, SignatureError, verifyDocument, type PublicKey } from "./signature.ts";
import { causeMessage, errorMessage } from "../errors.ts";
import { jsonObject } from "../text/json-object.ts";

export const registryDocument = "modelRegistry.json";

export class RegistryFetchError extends Error {
  override name = "RegistryFetchError";
}

/** The registry could not be reached: a cached copy may stand in. */
class Unreachable extends RegistryFetchError {}

/** The registry answered with an older document than the one this client holds (see `allowRollback`). */
export class RollbackError extends RegistryFetchError {
  override name = "RollbackError";
}

export interface FetchRegistryOptions {
  cache?: RegistryCache | undefined;
  /** PEM SubjectPublicKeyInfo, base64 of the raw 32 bytes, or the bytes: signatures are then required. */
  publicKey?: string | Uint8Array | undefined;
  /** SHA-256 (hex) of a modelRegistry.json: read /revisions/<revision>/modelRegistry.json and check its digest. */
  revision?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Cap of the document's size (default 256 MiB). */
  maxBytes?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * Accept a document older than the cached one (default false: a RollbackError). Older means a lower revision
   * number (the server's documents), else an earlier publishedAt (the static site's, whose revision is a commit).
   */
  allowRollback?: boolean | undefined;
}

export interface FetchedRegistry {
  /** The document read: <site>/modelRegistry.json, <server>/api/v1/checkpoints, or a pinned revision. */
  url: string;
  checkpoints: Map<string, ConsumedEntry>;
  /** Entries skipped (newer schemaVersion, unreadable). */
  warnings: ReadWarning[];
  revision: string | number | undefined;
  publishedAt: string | undefined;
  /** network: a new document; not-modified: a 304 reused the cache; cache: pinned and cached; offline: the network failed. */
  origin: "network" | "not-modified" | "cache" | "offline";
  /** Set when the cached copy stood in for an unreachable registry. */
  stale?: { fetchedAt: string; ageSeconds: number; error: string };
  verified: boolean;
}

const encoder = new TextEncoder();

async function readCapped(response: Response, url: string, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (length > maxBytes) throw new RegistryFetchError(`${url}: ${length} bytes, more than the ${maxBytes} this client accepts`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  while (reader) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (error) {
      throw new Unreachable(`${url}: the connection broke after ${size} bytes (${errorMessage(error)})`);
    }
    if (step.done) break;
    size += step.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new RegistryFetchError(`${url}: more than the ${maxBytes} bytes this client accepts`);
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.byteLength));
  return out;
}

async function get(fetcher: typeof fetch, url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
  try {
    // no-store: the client's own cache decides; a browser must hand the 304 to us rather than answer it.
    return await fetcher(url, { headers, signal: signal ?? null, cache: "no-store", redirect: "follow" });
  } catch (error) {
    if (signal?.aborted) throw error;
    const cause = causeMessage(error);
    throw new Unreachable(`${url}: ${errorMessage(error)}${cause !== undefined ? ` (${cause})` : ""}`);
  }
}

function decode(bytes: Uint8Array, url: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RegistryFetchError(`${url}: not UTF-8 text`);
  }
}

function parse(text: string, url: string): Pick<FetchedRegistry, "checkpoints" | "warnings" | "revision" | "publishedAt"> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new RegistryFetchError(`${url}: not JSON (${errorMessage(error)})`);
  }
  let read;
  try {
    read = readRegistry(doc);
  } catch (error) {
    throw new RegistryFetchError(`${url}: ${errorMessage(error)}`);
  }
  const { revision, publishedAt } = jsonObject(doc) ?? {};
  return {
    ...read,
    revision: typeof revision === "string" || typeof revision === "number" ? revision : undefined,
    publishedAt: typeof publishedAt === "string" ? publishedAt : undefined,
  };
}

/** A registry server's API, as its base URL or its checkpoints route: /api/v1, /api/v1/checkpoints. */
const serverApi = /\/api\/v1(\/checkpoints)?$/;

/**
 * Where the registry document of `baseUrl` is: a registry server's /api/v1/checkpoints (the base URL ends in
 * /api/v1 or /api/v1/checkpoints), else a static site's /modelRegistry.json (or a pinned revision of it).
 */
export function registryDocumentUrl(baseUrl: string, revision?: string): { url: string; server: boolean; base: string; path: string } {
  const base = baseUrl.replace(/\/+$/, "");
  const api = serverApi.exec(new URL(base).pathname);
  if (api) {
    if (revision !== undefined)
      throw new RegistryFetchError(
        `revision: ${base} is a registry server, whose documents are not content-addressed; pin a revision of the static site instead`,
      );
    const root = api[1] ? base.slice(0, -"/checkpoints".length) : base;
    return { url: `${root}/checkpoints`, server: true, base: root, path: "checkpoints" };
  }
  const path = revision ? `revisions/${revision}/${registryDocument}` : registryDocument;
  return { url: `${base}/${path}`, server: false, base, path };
}

type Ordering = Pick<FetchedRegistry, "revision" | "publishedAt">;

/**
 * Why `fresh` is older than `held`, or cannot be shown not to be; undefined when it may replace it. Revision
 * numbers (the server's) compare as numbers; the static site's revisions are commits, which do not order, so its
 * documents compare by publishedAt. A document without the field the held one was ordered by is refused too:
 * dropping it must not be a way round the check.
 */
export function rollback(fresh: Ordering, held: Ordering): string | undefined {
  if (typeof held.revision === "number") {
    if (typeof fresh.revision !== "number") return `it has no revision number, and the document held is revision ${held.revision}`;
    return fresh.revision < held.revision ? `its revision ${fresh.revision} is older than revision ${held.revision}, the document held` : undefined;
  }
  const heldAt = Date.parse(held.publishedAt ?? "");
  if (Number.isNaN(heldAt)) return undefined;
  const freshAt = Date.parse(fresh.publishedAt ?? "");
  if (Number.isNaN(freshAt)) return `it has no publishedAt, and the document held was published at ${held.publishedAt}`;
  const named = (o: Ordering) => `${o.publishedAt}${o.revision === undefined ? "" : ` (revision ${o.revision})`}`;
  return freshAt < heldAt ? `it was published at ${named(fresh)}, before ${named(held)}, the document held` : undefined;
}

/** The ordering of a cached document: recorded with it, or (a cache written before that) read from its body. */
function orderingOf(cached: CachedDocument): Ordering {
  if (cached.revision !== undefined || cached.publishedAt !== undefined) return { revision: cached.revision, publishedAt: cached.publishedAt };
  try {
    const { revision, publishedAt } = jsonObject(JSON.parse(cached.body)) ?? {};
    return {
      revision: typeof revision === "string" || typeof revision === "number" ? revision : undefined,
      publishedAt: typeof publishedAt === "string" ? publishedAt : undefined,
    };
  } catch {
    return { revision: undefined, publishedAt: undefined };
  }
}

export async function fetchRegistry(baseUrl: string, options: FetchRegistryOptions = {}): Promise<FetchedRegistry> {
  if (!/^https?:\/\/[^\s]+$/.test(baseUrl) || !URL.canParse(baseUrl))
    throw new RegistryFetchError(`base URL: expected an http(s) URL, found ${JSON.stringify(baseUrl)}`);
  const { cache, revision, signal } = options;
  if (revision !== undefined && !/^[0-9a-f]{64}$/.test(revision))
    throw new RegistryFetchError(`revision: expected the 64 hex digits of a modelRegistry.json's SHA-256, found ${JSON.stringify(revision)}`);
  const { url, server, base, path } = registryDocumentUrl(baseUrl, revision);
  const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const key = options.publicKey !== undefined ? await parsePublicKey(options.publicKey) : undefined;
  if (key && server)
    throw new RegistryFetchError(`${url}: a registry server does not sign its documents; with a public key, read the static site that publishes its entries`);
  const cacheKey = `fiab-model-registry:${url}`;
  const cached = await readCached(cache, cacheKey);
  // A cached copy can stand in only if it can be verified the way a new one would be.
  const usable = cached && cached.url === url && (!key || cached.signature !== undefined) ? cached : undefined;

  const accept = async (text: string, doc: CachedDocument | undefined, origin: FetchedRegistry["origin"], stale?: FetchedRegistry["stale"]) => {
    if (key)
      await verifyDocument(
        encoder.encode(text),
        doc?.signature !== undefined ? encoder.encode(doc.signature) : undefined,
        key,
        origin === "network" ? url : `cached ${url}`,
      );
    return { url, ...parse(text, url), origin, ...(stale ? { stale } : {}), verified: key !== undefined };
  };

  if (revision && usable && (await sha256Hex(encoder.encode(usable.body))) === revision) return accept(usable.body, usable, "cache");

  let response: Response;
  let body: Uint8Array<ArrayBuffer>;
  try {
    response = await get(fetcher, url, usable?.etag && !revision ? { "if-none-match": usable.etag } : {}, signal);
    if (response.status >= 500) throw new Unreachable(`${url}: the server answered ${response.status}`);
    body = response.status === 200 ? await readCapped(response, url, maxBytes) : new Uint8Array();
  } catch (error) {
    if (!(error instanceof Unreachable) || !usable) throw error;
    const ageSeconds = Math.max(0, Math.round((Date.now() - Date.parse(usable.fetchedAt)) / 1000));
    return accept(usable.body, usable, "offline", { fetchedAt: usable.fetchedAt, ageSeconds, error: error.message });
  }
  if (response.status === 304 && usable) return accept(usable.body, usable, "not-modified");
  if (response.status !== 200) throw new RegistryFetchError(`${url}: the server answered ${response.status}`);

  if (revision) {
    const digest = await sha256Hex(body);
    if (digest !== revision) throw new SignatureError(`${url}: its SHA-256 is ${digest}, not the pinned revision`);
  }
  const signature = key ? await verifiedSignature(fetcher, base, path, body, key, signal) : undefined;
  const text = decode(body, url);
  const result = { url, ...parse(text, url), origin: "network" as const, verified: key !== undefined };
  // A pinned revision is the caller's own choice of document; the latest one must not go back in time.
  if (!revision && cached?.url === url && !options.allowRollback) {
    const why = rollback(result, orderingOf(cached));
    if (why)
      throw new RollbackError(
        `${url}: refused an older registry document than the one held since ${cached.fetchedAt} (a rollback): ${why}; pass allowRollback: true to accept it`,
      );
  }
  await writeCached(cache, cacheKey, {
    url,
    etag: response.headers.get("etag") ?? undefined,
    body: text,
    ...(signature ? { signature: decode(signature, `${url}.sig`) } : {}),
    fetchedAt: new Date().toISOString(),
    ...(result.revision !== undefined ? { revision: result.revision } : {}),
    ...(result.publishedAt !== undefined ? { publishedAt: result.publishedAt } : {}),
  });
  return result;
}

/**
 * The .sig that verifies the document. A cache in front of the host may pair a new document with the previous
 * .sig for a minute; the content-addressed copy's .sig belongs to exactly these bytes, so it is tried next.
 */
async function verifiedSignature(
  fetcher: typeof fetch,
  base: string,
  path: string,
  body: Uint8Array<ArrayBuffer>,
  key: PublicKey,
  signal: AbortSignal | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  const url = `${base}/${path}`;
  const signature = await fetchSignature(fetcher, `${url}.sig`, signal);
  try {
    await verifyDocument(body, signature, key, url);
    return signature!;
  } catch (mismatch) {
    if (path.startsWith("revisions/")) throw mismatch;
    try {
      const pinned = await fetchSignature(fetcher, `${base}/revisions/${await sha256Hex(body)}/${path}.sig`, signal);
      await verifyDocument(body, pinned, key, url);
      return pinned!;
    } catch {
      throw mismatch;
    }
  }
}

async function fetchSignature(fetcher: typeof fetch, url: string, signal: AbortSignal | undefined): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const response = await get(fetcher, url, {}, signal);
  if (response.status === 404) return undefined; // verifyDocument then refuses: a configured key demands a signature
  if (response.status !== 200) throw new RegistryFetchError(`${url}: the server answered ${response.status}`);
  return readCapped(response, url, maxSignatureBytes);
}

export type { PublicKey };
