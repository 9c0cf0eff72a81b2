// Content-addressed copies: every registry document is also published at /revisions/<sha256>/<its path>,
// the hash being that of the document's bytes. Such a path never changes meaning, so a client or mirror can
// pin what it read, and hosts may cache it forever.
import { createHash } from "node:crypto";
import { fiabContracts } from "../fiab/store-contract.ts";

/** The documents a publication signs and copies, by site path (no leading slash). */
export const registryDocumentPaths: readonly string[] = ["modelRegistry.json", ...fiabContracts.map((c) => `fiab/${c}/artifacts.json`)];

export const revisionsDir = "revisions";

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** /revisions/<sha256 of bytes>/<path>, without the leading slash. */
export function contentAddressedPath(path: string, bytes: Uint8Array | string): string {
  return `${revisionsDir}/${sha256Hex(bytes)}/${path}`;
}

/** The hash and document path a content-addressed path names, or undefined for any other path. */
export function parseContentAddressedPath(path: string): { sha256: string; path: string } | undefined {
  const match = /^revisions\/([0-9a-f]{64})\/(.+)$/.exec(path);
  if (!match || !registryDocumentPaths.includes(match[2]!)) return undefined;
  return { sha256: match[1]!, path: match[2]! };
}
