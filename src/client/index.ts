// The registry's client for FIAB and other programs, in Node and browsers: the tolerant reader, fetching
// with ETag caching and signature checks, and compatibility with a host.
export { readEntry, readRegistry, type ReadResult, type ReadWarning } from "./reader.ts";
export {
  fetchRegistry,
  registryDocument,
  registryDocumentUrl,
  RegistryFetchError,
  RollbackError,
  type FetchedRegistry,
  type FetchRegistryOptions,
} from "./fetch-registry.ts";
export { parsePublicKey, SignatureError, verifyDocument, type PublicKey } from "./signature.ts";
export { compatibility, fitFacts, type Compatibility, type CompatibilityInput, type Host } from "./compatibility.ts";
export type { CachedDocument, KeyValueCache, RegistryCache, StorageLike } from "./cache.ts";
export { entrySchema, schemaVersion, type ConsumedEntry } from "../contract/index.ts";
