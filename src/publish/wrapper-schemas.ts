// The documents around the entries, as Zod schemas: /modelRegistry.json as a whole, FIAB's store views, and
// the signature files and key list of a signed publication. Readers and `verify-publication` check them with
// these; their JSON Schemas under schema/v<N>/ are generated from them (wrapper-json-schemas.ts).
import { z } from "zod";
import { checkpointIdPattern, entrySchema, schemaVersion } from "../contract/index.ts";
import { core1Artifact, core2Artifact, type FiabContract } from "../fiab/store-contract.ts";

/** A git commit id (static site) or the registry server's integer revision. */
export const revisionSchema = z.union([z.string().min(1).max(200), z.number().int().nonnegative()]);

/** `entry` is the consuming entry schema for checking, or a $ref to its JSON Schema when generating one. */
export function modelRegistrySchema(entry: z.ZodType = entrySchema("consuming")) {
  return z.object({
    schemaVersion: z.literal(schemaVersion),
    revision: revisionSchema.optional().describe("The git commit of the entries (static site) or the server's revision number; absent outside git."),
    publishedAt: z.iso.datetime().optional().describe("Committer time of that commit, UTC: the same commit always gives the same document."),
    checkpoints: z.record(z.string().regex(checkpointIdPattern), entry),
  });
}

/** Exactly the store an unmodified FIAB of that contract version reads (its models forbid unknown keys). */
export const fiabStoreSchemas: Record<FiabContract, z.ZodType> = {
  "core-1": z.strictObject({ display_name: z.string(), artifacts: z.record(z.string(), core1Artifact) }),
  "core-2": z.strictObject({ display_name: z.string(), artifacts: z.record(z.string(), core2Artifact) }),
};

export const keyIdPattern = /^[0-9a-f]{16}$/;
const base64Of = (bytes: number) => new RegExp(`^[A-Za-z0-9+/]{${Math.floor(bytes / 3) * 4}}${["", "[A-Za-z0-9+/]{2}==", "[A-Za-z0-9+/]{3}="][bytes % 3]}$`);

/** D.sig: signatures over the exact bytes of document D. More than one while keys are rotated. */
export const signaturesSchema = z.object({
  signatures: z
    .array(
      z.object({
        keyId: z.string().regex(keyIdPattern).describe("First 16 hex digits of the sha256 of the raw 32-byte public key."),
        algorithm: z.literal("ed25519"),
        signature: z.string().regex(base64Of(64)).describe("Base64 of the 64-byte Ed25519 signature."),
      }),
    )
    .min(1),
});

/** /keys.json: the public keys that sign this publication. */
export const signingKeysSchema = z.object({
  keys: z.array(
    z.object({
      keyId: z.string().regex(keyIdPattern),
      algorithm: z.literal("ed25519"),
      publicKey: z.string().regex(base64Of(32)).describe("Base64 of the raw 32-byte Ed25519 public key."),
      notAfter: z.iso.datetime().optional().describe("A retired key: it signed nothing published after this time."),
    }),
  ),
});

export type Signatures = z.output<typeof signaturesSchema>;
export type SigningKeys = z.output<typeof signingKeysSchema>;
