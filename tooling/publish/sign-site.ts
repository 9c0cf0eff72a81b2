// Signs a built site: every registry document (modelRegistry.json, the FIAB views and their content-addressed
// copies) gets D.sig over its exact bytes, and /keys.json lists the public keys. Per-entry files are not
// signed: each is the same entry as in the signed modelRegistry.json, which a client that needs trust reads
// (or compares against), and 10,000 more signatures would double the files a deploy uploads.
import { join } from "node:path";
import { parseContentAddressedPath, sha256Hex } from "../../src/publish/content-address.ts";
import type { Signatures, SigningKeys } from "../../src/publish/wrapper-schemas.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { PublishError } from "./publish-error.ts";
import { signBytes, type SigningKey } from "./signing-keys.ts";
import { listSiteDocuments, maxDocumentBytes, readSiteFile, SiteFileError } from "./site-files.ts";

export interface SignResult {
  documents: string[];
  keyIds: string[];
}

export function signaturesText(bytes: Uint8Array, keys: readonly SigningKey[]): string {
  const doc: Signatures = { signatures: keys.map((key) => ({ keyId: key.keyId, algorithm: "ed25519", signature: signBytes(bytes, key).toString("base64") })) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function keysText(keys: readonly SigningKey[]): string {
  const doc: SigningKeys = { keys: keys.map((key) => ({ keyId: key.keyId, algorithm: "ed25519", publicKey: key.publicKey.toString("base64") })) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Reads every document before writing anything, so that a site with a bad copy gets no signature at all. */
export async function signSite(dir: string, keys: readonly SigningKey[]): Promise<SignResult> {
  const { current, copies } = await listSiteDocuments(dir);
  if (!current.includes("modelRegistry.json"))
    throw new PublishError(`${dir}: no modelRegistry.json; is this a built registry site (npm run build writes dist/)?`);
  const documents = new Map<string, Buffer>();
  try {
    for (const path of [...current, ...copies]) documents.set(path, (await readSiteFile(dir, path, maxDocumentBytes))!);
  } catch (error) {
    if (error instanceof SiteFileError) throw new PublishError(`${join(dir, error.message)}`);
    throw error;
  }
  for (const [path, bytes] of documents) {
    const copy = parseContentAddressedPath(path);
    // Signing a copy whose bytes are not what its path names would vouch for a broken pin.
    if (copy && sha256Hex(bytes) !== copy.sha256)
      throw new PublishError(`${join(dir, path)}: its bytes hash to ${sha256Hex(bytes)}, not the ${copy.sha256} its path names; rebuild the site`);
  }
  for (const path of current) {
    const copy = `revisions/${sha256Hex(documents.get(path)!)}/${path}`;
    if (!documents.has(copy)) throw new PublishError(`${join(dir, copy)}: missing, the content-addressed copy of ${path}; rebuild the site`);
  }
  for (const [path, bytes] of documents) await writeFileAtomic(join(dir, `${path}.sig`), signaturesText(bytes, keys));
  await writeFileAtomic(join(dir, "keys.json"), keysText(keys));
  return { documents: [...documents.keys()], keyIds: keys.map((k) => k.keyId) };
}
