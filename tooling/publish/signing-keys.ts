// Ed25519 keys of a publication (node:crypto only): private keys as PEM PKCS#8, public keys as the raw
// 32 bytes in base64, named by keyId = the first 16 hex digits of sha256 of those raw bytes.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { sha256Hex } from "../../src/publish/content-address.ts";
import { PublishError } from "./publish-error.ts";
import { errorMessage } from "../../src/errors.ts";

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: Buffer;
}

export interface PublicKey {
  keyId: string;
  publicKey: Buffer;
}

export const keyIdOf = (raw: Uint8Array) => sha256Hex(raw).slice(0, 16);

function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  return Buffer.from(jwk.x!, "base64url");
}

/** A PEM PKCS#8 Ed25519 private key; `source` names where it came from in errors (never the key itself). */
export function signingKeyFromPem(pem: string, source: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new PublishError(`${source}: not a PEM private key (expected "-----BEGIN PRIVATE KEY-----", PKCS#8): ${errorMessage(error)}`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new PublishError(`${source}: an ${privateKey.asymmetricKeyType} key; expected an Ed25519 key`);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Raw 32 bytes in base64, or a PEM SPKI public key (openssl pkey -pubout). */
export function publicKeyFromText(text: string, source: string): PublicKey {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: trimmed, format: "pem" });
    } catch (error) {
      throw new PublishError(`${source}: not a PEM public key: ${errorMessage(error)}`);
    }
    if (key.asymmetricKeyType !== "ed25519") throw new PublishError(`${source}: an ${key.asymmetricKeyType} key; expected an Ed25519 key`);
    const raw = rawPublicKey(key);
    return { keyId: keyIdOf(raw), publicKey: raw };
  }
  const raw = /^[A-Za-z0-9+/]{43}=$/.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (!raw || raw.length !== 32)
    throw new PublishError(`${source}: expected the base64 of a raw 32-byte Ed25519 public key (44 characters) or a PEM public key`);
  return { keyId: keyIdOf(raw), publicKey: raw };
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

export function signBytes(bytes: Uint8Array, key: SigningKey): Buffer {
  return sign(null, bytes, key.privateKey);
}

export function verifyBytes(bytes: Uint8Array, signature: Uint8Array, key: PublicKey): boolean {
  return signature.length === 64 && verify(null, bytes, publicKeyObject(key.publicKey), signature);
}

/** A new key pair: the private key as PEM PKCS#8 (to keep secret), the public key raw. */
export function generateSigningKey(): { pem: string; keyId: string; publicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = rawPublicKey(publicKey);
  return { pem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(), keyId: keyIdOf(raw), publicKey: raw };
}
