// Where fetchRegistry keeps the last registry document it accepted, with its ETag and signature: any
// string store, so a Map in Node and localStorage in a browser both serve.

/** A Map<string, string>, or anything with the same get/set (sync or async). */
export interface KeyValueCache {
  get(key: string): string | undefined | null | Promise<string | undefined | null>;
  set(key: string, value: string): unknown;
}

/** window.localStorage and the like. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export type RegistryCache = KeyValueCache | StorageLike;

export interface CachedDocument {
  url: string;
  etag?: string | undefined;
  /** The document as text; its UTF-8 bytes are the signed bytes. */
  body: string;
  signature?: string | undefined;
  fetchedAt: string;
  /** The document's revision and publishedAt, which a later document must not be older than (rollback). */
  revision?: string | number | undefined;
  publishedAt?: string | undefined;
}

const isStorage = (cache: RegistryCache): cache is StorageLike => typeof (cache as StorageLike).getItem === "function";

export async function readCached(cache: RegistryCache | undefined, key: string): Promise<CachedDocument | undefined> {
  if (!cache) return undefined;
  const text = isStorage(cache) ? cache.getItem(key) : await cache.get(key);
  if (typeof text !== "string") return undefined;
  try {
    const doc = JSON.parse(text) as CachedDocument;
    return typeof doc.body === "string" && typeof doc.fetchedAt === "string" ? doc : undefined;
  } catch {
    return undefined; // a damaged cache entry is the same as none
  }
}

export async function writeCached(cache: RegistryCache | undefined, key: string, doc: CachedDocument): Promise<void> {
  if (!cache) return;
  const text = JSON.stringify(doc);
  if (isStorage(cache)) cache.setItem(key, text);
  else await cache.set(key, text);
}
