// Checks a published site as a reader would trust it: every registry document signed by a trusted key over
// its exact bytes, every content-addressed copy holding the bytes its path names, every current document
// pinned by a copy, and every document valid (consuming entry schema, FIAB's store contracts). Each problem
// names the site path at fault; nothing stops at the first.
import { problemsFromZod, formatProblem } from "../../src/contract/parse.ts";
import { decodeUtf8, parseJsonDocument } from "../../src/files/json-document.ts";
import { parseContentAddressedPath, sha256Hex } from "../../src/publish/content-address.ts";
import { fiabStoreSchemas, modelRegistrySchema, signaturesSchema, signingKeysSchema } from "../../src/publish/wrapper-schemas.ts";
import type { z } from "zod";
import { fiabContracts, type FiabContract } from "../../src/fiab/store-contract.ts";
import { keyIdOf, verifyBytes, type PublicKey } from "./signing-keys.ts";
import { listSiteDocuments, maxDocumentBytes, maxSmallFileBytes, readSiteFile, SiteFileError } from "./site-files.ts";
import { errorMessage } from "../../src/errors.ts";

export interface PublicationProblem {
  /** Site path, e.g. modelRegistry.json or revisions/<sha>/fiab/core-2/artifacts.json.sig. */
  path: string;
  message: string;
}

export interface VerifyResult {
  documents: number;
  /** The keys signatures were checked against, and where they came from. */
  keyIds: string[];
  keySource: "given" | "keys.json";
  problems: PublicationProblem[];
}

const shownIssues = 5;

/** Parsed JSON of `bytes`, or undefined with a problem recorded. */
function parseJson(path: string, bytes: Buffer, problems: PublicationProblem[]): unknown {
  try {
    return parseJsonDocument(decodeUtf8(bytes));
  } catch (error) {
    problems.push({ path, message: `not valid JSON: ${errorMessage(error)}` });
    return undefined;
  }
}

function checkSchema(path: string, doc: unknown, schema: z.ZodType, what: string, problems: PublicationProblem[]): boolean {
  const result = schema.safeParse(doc);
  if (result.success) return true;
  const found = problemsFromZod(result.error, doc);
  const more = found.length > shownIssues ? `; and ${found.length - shownIssues} more` : "";
  problems.push({ path, message: `not a valid ${what}: ${found.slice(0, shownIssues).map(formatProblem).join("; ")}${more}` });
  return false;
}

function schemaOf(documentPath: string): { schema: z.ZodType; what: string } {
  const contract = fiabContracts.find((c) => documentPath === `fiab/${c}/artifacts.json`) as FiabContract | undefined;
  return contract
    ? { schema: fiabStoreSchemas[contract], what: `FIAB ${contract} store` }
    : { schema: modelRegistrySchema(), what: "modelRegistry.json (schema/v1/model-registry.json)" };
}

async function read(dir: string, path: string, max: number, problems: PublicationProblem[]): Promise<Buffer | undefined> {
  try {
    return await readSiteFile(dir, path, max);
  } catch (error) {
    if (!(error instanceof SiteFileError)) throw error;
    problems.push({ path, message: error.message.slice(path.length + 2) });
    return undefined;
  }
}

/** The keys listed in keys.json, each checked to be named by its own hash. */
async function listedKeys(dir: string, problems: PublicationProblem[]): Promise<PublicKey[]> {
  const bytes = await read(dir, "keys.json", maxSmallFileBytes, problems);
  if (!bytes) {
    problems.push({ path: "keys.json", message: "missing: a signed site lists its public keys there (registry sign writes it)" });
    return [];
  }
  const doc = parseJson("keys.json", bytes, problems);
  if (doc === undefined || !checkSchema("keys.json", doc, signingKeysSchema, "key list (schema/v1/signing-keys.json)", problems)) return [];
  const keys: PublicKey[] = [];
  for (const [i, key] of signingKeysSchema.parse(doc).keys.entries()) {
    const raw = Buffer.from(key.publicKey, "base64");
    if (keyIdOf(raw) !== key.keyId)
      problems.push({ path: "keys.json", message: `keys[${i}].keyId is ${key.keyId}, but its public key's id is ${keyIdOf(raw)}` });
    else keys.push({ keyId: key.keyId, publicKey: raw });
  }
  return keys;
}

async function checkSignatures(
  dir: string,
  path: string,
  bytes: Buffer,
  trusted: ReadonlyMap<string, PublicKey>,
  problems: PublicationProblem[],
): Promise<void> {
  const sigPath = `${path}.sig`;
  const sigBytes = await read(dir, sigPath, maxSmallFileBytes, problems);
  if (!sigBytes) {
    problems.push({ path: sigPath, message: `missing: ${path} is not signed` });
    return;
  }
  const doc = parseJson(sigPath, sigBytes, problems);
  if (doc === undefined || !checkSchema(sigPath, doc, signaturesSchema, "signature file (schema/v1/signatures.json)", problems)) return;
  let valid = 0;
  for (const [i, signature] of signaturesSchema.parse(doc).signatures.entries()) {
    const key = trusted.get(signature.keyId);
    if (!key) continue;
    if (verifyBytes(bytes, Buffer.from(signature.signature, "base64"), key)) valid++;
    else
      problems.push({
        path: sigPath,
        message: `signatures[${i}] by key ${signature.keyId} does not match the bytes of ${path} (changed after signing, or a forged signature)`,
      });
  }
  if (valid === 0 && !problems.some((p) => p.path === sigPath)) {
    problems.push({ path: sigPath, message: `no signature by a trusted key (trusted: ${[...trusted.keys()].join(", ") || "none"})` });
  }
}

/** `given`: the keys the reader trusts; without them, the site's own keys.json (integrity, not origin). */
export async function verifyPublication(dir: string, given: readonly PublicKey[]): Promise<VerifyResult> {
  const problems: PublicationProblem[] = [];
  const listed = await listedKeys(dir, problems);
  const trusted = new Map((given.length > 0 ? given : listed).map((k) => [k.keyId, k]));
  const { current, copies, strays } = await listSiteDocuments(dir);
  if (!current.includes("modelRegistry.json")) problems.push({ path: "modelRegistry.json", message: "missing: not a built registry site" });
  for (const path of strays) problems.push({ path, message: "not a content-addressed copy of a registry document (revisions/<sha256>/<document path>)" });
  const copySet = new Set(copies);
  const valid = new Set<string>();
  for (const path of [...current, ...copies]) {
    const bytes = await read(dir, path, maxDocumentBytes, problems);
    if (!bytes) continue;
    const copy = parseContentAddressedPath(path);
    const hash = sha256Hex(bytes);
    if (copy && copy.sha256 !== hash) problems.push({ path, message: `its bytes hash to ${hash}, not the ${copy.sha256} its path names` });
    if (!copy && !copySet.has(`revisions/${hash}/${path}`))
      problems.push({ path: `revisions/${hash}/${path}`, message: `missing: the content-addressed copy of ${path}` });
    await checkSignatures(dir, path, bytes, trusted, problems);
    // A copy holds the same bytes as the current document: validating them once is enough.
    const kind = copy?.path ?? path;
    if (valid.has(`${kind} ${hash}`)) continue;
    const doc = parseJson(path, bytes, problems);
    const { schema, what } = schemaOf(kind);
    if (doc !== undefined && checkSchema(path, doc, schema, what, problems)) valid.add(`${kind} ${hash}`);
  }
  return { documents: current.length + copies.length, keyIds: [...trusted.keys()], keySource: given.length > 0 ? "given" : "keys.json", problems };
}
