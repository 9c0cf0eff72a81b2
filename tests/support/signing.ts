// Signed registry documents for the clients' tests, in the published format, signed here with node:crypto
// (not with the registry's own signing command, so the clients are checked against the format itself).
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fixtureEntriesDir } from "./helpers.ts";

export interface TestKey {
  keyId: string;
  /** PEM SubjectPublicKeyInfo. */
  pem: string;
  /** base64 of the raw 32 bytes. */
  raw: string;
  sign(document: Uint8Array): { keyId: string; algorithm: "ed25519"; signature: string };
}

export function makeKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const rawBytes = publicKeyRaw(publicKey);
  const keyId = createHash("sha256").update(rawBytes).digest("hex").slice(0, 16);
  return {
    keyId,
    pem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    raw: rawBytes.toString("base64"),
    sign: (document) => ({ keyId, algorithm: "ed25519", signature: sign(null, document, privateKey).toString("base64") }),
  };
}

function publicKeyRaw(key: KeyObject): Buffer {
  // SubjectPublicKeyInfo DER of an Ed25519 key: a 12-byte header, then the raw 32 bytes.
  return key.export({ type: "spki", format: "der" }).subarray(12);
}

/** The .sig file of `document`: a signature by each key, in order. */
export function signatureFile(document: Uint8Array, ...keys: TestKey[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ signatures: keys.map((k) => k.sign(document)) }));
}

/** The fixture entries (copies of the shipped ones) by id. */
export function realEntries(): Record<string, any> {
  const dir = fixtureEntriesDir;
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(dir, f), "utf8"))]),
  );
}

export function registryDocument(checkpoints: Record<string, unknown>, extra: Record<string, unknown> = {}): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ schemaVersion: 1, ...extra, checkpoints }, null, 2)}\n`);
}

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
