// Ed25519 signatures of published documents, verified with WebCrypto (Node 24 and browsers alike). A
// document D is signed by D + ".sig": {"signatures": [{keyId, algorithm: "ed25519", signature}]} over D's
// exact bytes; keyId is the first 16 hex digits of the SHA-256 of the raw 32-byte public key. The key comes
// from configuration (PEM SubjectPublicKeyInfo or base64 of the raw bytes), never from the registry.
import { errorMessage } from "../errors.ts";

export class SignatureError extends Error {
  override name = "SignatureError";
}

export interface PublicKey {
  keyId: string;
  raw: Uint8Array<ArrayBuffer>;
  key: CryptoKey;
}

/** Byte cap of a .sig file: a few signatures during a key rotation. */
export const maxSignatureBytes = 64 * 1024;

// DER of SubjectPublicKeyInfo { AlgorithmIdentifier { 1.3.101.112 (Ed25519) }, BIT STRING of 32 bytes }.
const spkiPrefix = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

export function fromBase64(text: string, what: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new SignatureError(`${what}: not base64`);
  const binary = atob(clean);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function rawFromPem(pem: string): Uint8Array<ArrayBuffer> {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem);
  if (!m) throw new SignatureError('public key: expected a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo)');
  const der = fromBase64(m[1]!, "public key");
  if (der.length !== 44 || spkiPrefix.some((b, i) => der[i] !== b))
    throw new SignatureError(`public key: not an Ed25519 SubjectPublicKeyInfo (${der.length} bytes of DER)`);
  return der.slice(12);
}

/** A configured key: PEM SubjectPublicKeyInfo, base64 of the raw 32 bytes, or the raw bytes. */
export async function parsePublicKey(value: string | Uint8Array): Promise<PublicKey> {
  const raw = typeof value !== "string" ? new Uint8Array(value) : value.includes("-----BEGIN") ? rawFromPem(value) : fromBase64(value, "public key");
  if (raw.length !== 32) throw new SignatureError(`public key: expected 32 raw bytes, found ${raw.length}`);
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  return { keyId: (await sha256Hex(raw)).slice(0, 16), raw, key };
}

/** Resolves when a signature by `key` in `signatureFile` verifies `document`; else a SignatureError naming `name`. */
export async function verifyDocument(
  document: Uint8Array<ArrayBuffer>,
  signatureFile: Uint8Array<ArrayBuffer> | undefined,
  key: PublicKey,
  name: string,
): Promise<void> {
  if (!signatureFile) throw new SignatureError(`${name}.sig: missing, and a public key is configured (refusing an unsigned document)`);
  if (signatureFile.byteLength > maxSignatureBytes) throw new SignatureError(`${name}.sig: larger than ${maxSignatureBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(signatureFile));
  } catch (error) {
    throw new SignatureError(`${name}.sig: not JSON (${errorMessage(error)})`);
  }
  const signatures = (parsed as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(signatures)) throw new SignatureError(`${name}.sig: expected {"signatures": [...]}`);
  const records = signatures.filter((s): s is Record<string, unknown> => s !== null && typeof s === "object");
  const ours = records.filter((s) => s["keyId"] === key.keyId && s["algorithm"] === "ed25519");
  if (ours.length === 0) {
    const others = [...new Set(records.map((s) => String(s["keyId"])))].sort();
    throw new SignatureError(`${name}.sig: no ed25519 signature by the configured key ${key.keyId} (signed by: ${others.join(", ") || "nobody"})`);
  }
  for (const record of ours) {
    let signature: Uint8Array<ArrayBuffer>;
    try {
      signature = fromBase64(String(record["signature"] ?? ""), "signature");
    } catch {
      continue;
    }
    if (signature.length === 64 && (await crypto.subtle.verify({ name: "Ed25519" }, key.key, signature, document))) return;
  }
  throw new SignatureError(`${name}: the signature by key ${key.keyId} does not match the document's bytes (tampered, or signed by another key with this id)`);
}
