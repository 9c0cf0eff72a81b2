// A published document as HTTP serves it: the bytes, a strong ETag from their SHA-256, the response headers
// of each encoding made once, and compressed copies made once, off the event loop, the first time a client
// asks for them. Documents are immutable once made (a new registry revision makes new ones), so every request
// after the first is a lookup, and the bytes are sent as they are, never copied or encoded again.
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

export type Encoding = "br" | "gzip" | "identity";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Below this, compressing costs more than it saves. */
const minCompressBytes = 1024;
/** Above this, the digest is computed on libuv's thread pool rather than on the thread that answers requests. */
const maxInlineDigestBytes = 256 * 1024;

/** What every read answer carries besides its document's own fields: CORS for any origin, and caching. */
export const corsHeaders = { "access-control-allow-origin": "*", "access-control-expose-headers": "ETag, Location" };
export const vary = "Accept-Encoding";

export class Representation {
  readonly body: Buffer;
  readonly contentType: string;
  /** base64url SHA-256 of the identity body: the ETag's core. */
  readonly digest: string;
  readonly #etags: Record<Encoding, string>;
  readonly #encoded = new Map<Encoding, Promise<Buffer>>();
  /** The compressed copies made so far, for answers that do not wait. */
  readonly #made = new Map<Encoding, Buffer>();
  readonly #headers = new Map<string, Record<string, string>>();

  /** A small document, hashed here; a large one goes through `Representation.of`. */
  constructor(body: string | Buffer, contentType = "application/json; charset=utf-8", digest?: string) {
    this.body = typeof body === "string" ? Buffer.from(body) : body;
    this.contentType = contentType;
    this.digest = digest ?? createHash("sha256").update(this.body).digest("base64url");
    this.#etags = { identity: `"${this.digest}"`, br: `"${this.digest}-br"`, gzip: `"${this.digest}-gzip"` };
  }

  /** A document of any size, hashed off the event loop when large (WebCrypto digests on the thread pool). */
  static async of(body: Buffer, contentType?: string): Promise<Representation> {
    if (body.length <= maxInlineDigestBytes) return new Representation(body, contentType);
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>)).toString("base64url");
    return new Representation(body, contentType, digest);
  }

  /** The encoding to send for an Accept-Encoding header (identity for small bodies). */
  choose(acceptEncoding: string | undefined): Encoding {
    return this.body.length < minCompressBytes ? "identity" : negotiate(acceptEncoding);
  }

  /** A strong validator per encoding: a compressed copy is a different representation (RFC 9110, 8.8.3). */
  etag(encoding: Encoding): string {
    return this.#etags[encoding];
  }

  /** Whether If-None-Match names this document, in any of its encodings. */
  matches(ifNoneMatch: string | undefined): boolean {
    if (!ifNoneMatch) return false;
    // What revalidating clients send: one tag, as this server made it.
    if (ifNoneMatch.length <= this.digest.length + 8 && ifNoneMatch.startsWith(`"${this.digest}`)) {
      const rest = ifNoneMatch.slice(this.digest.length + 1);
      if (rest === '"' || rest === '-br"' || rest === '-gzip"') return true;
    }
    for (const raw of ifNoneMatch.split(",")) {
      const tag = raw.trim().replace(/^W\//, "");
      if (tag === "*") return true;
      const value = tag.replace(/^"|"$/g, "").replace(/-(br|gzip)$/, "");
      if (value === this.digest) return true;
    }
    return false;
  }

  /**
   * The header fields of a full answer in `encoding`, made once per encoding, caching and CORS choice: the
   * same object for every request (Node copies nothing from it).
   */
  headers(encoding: Encoding, caching: string, cors: boolean, length: number): Record<string, string> {
    const key = `${encoding}\u0000${caching}\u0000${cors}`;
    let headers = this.#headers.get(key);
    if (!headers) {
      headers = {
        ...(cors ? corsHeaders : {}),
        "cache-control": caching,
        vary,
        etag: this.etag(encoding),
        "content-type": this.contentType,
        ...(encoding === "identity" ? {} : { "content-encoding": encoding }),
        "content-length": String(length),
      };
      this.#headers.set(key, headers);
    }
    return headers;
  }

  /** The header fields of a 304 in `encoding`, made once: the validator and caching, and CORS for a browser. */
  headers304(encoding: Encoding, caching: string, cors: boolean): Record<string, string> {
    const key = `304\u0000${encoding}\u0000${caching}\u0000${cors}`;
    let headers = this.#headers.get(key);
    if (!headers) {
      headers = { ...(cors ? corsHeaders : {}), "cache-control": caching, vary, etag: this.etag(encoding) };
      this.#headers.set(key, headers);
    }
    return headers;
  }

  /** The bytes of `encoding`, once made; undefined while a compressed copy is not made yet. */
  ready(encoding: Encoding): Buffer | undefined {
    if (encoding === "identity") return this.body;
    return this.#made.get(encoding);
  }

  encoded(encoding: Encoding): Promise<Buffer> {
    if (encoding === "identity") return Promise.resolve(this.body);
    let made = this.#encoded.get(encoding);
    if (!made) {
      made = (
        encoding === "br"
          ? brotli(this.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: this.body.length } })
          : gzipAsync(this.body, { level: 6 })
      ).then((bytes) => (this.#made.set(encoding, bytes), bytes));
      this.#encoded.set(encoding, made);
    }
    return made;
  }
}

// Clients send a handful of distinct Accept-Encoding values; remembering a few spares parsing them each time.
const negotiated = new Map<string, Encoding>();

/** br, else gzip, else identity, as Accept-Encoding allows (a coding with q=0 is refused). */
export function negotiate(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return "identity";
  let encoding = negotiated.get(acceptEncoding);
  if (encoding === undefined) {
    encoding = parseAcceptEncoding(acceptEncoding);
    if (negotiated.size >= 256) negotiated.clear();
    negotiated.set(acceptEncoding, encoding);
  }
  return encoding;
}

function parseAcceptEncoding(acceptEncoding: string): Encoding {
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const allows = (name: Encoding) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  if (allows("br")) return "br";
  if (allows("gzip")) return "gzip";
  return "identity";
}
