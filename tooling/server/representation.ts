// A published document as HTTP serves it: the bytes, a strong ETag from their SHA-256, and compressed copies
// made once, off the event loop, the first time a client asks for them. Documents are immutable once made
// (a new registry revision makes new ones), so every request after the first is a lookup.
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

export type Encoding = "br" | "gzip" | "identity";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Below this, compressing costs more than it saves. */
const minCompressBytes = 1024;

export class Representation {
  readonly body: Buffer;
  readonly contentType: string;
  /** base64url SHA-256 of the identity body: the ETag's core. */
  readonly digest: string;
  readonly #encoded = new Map<Encoding, Promise<Buffer>>();

  constructor(body: string | Buffer, contentType = "application/json; charset=utf-8") {
    this.body = typeof body === "string" ? Buffer.from(body) : body;
    this.contentType = contentType;
    this.digest = createHash("sha256").update(this.body).digest("base64url");
    this.#etags = { identity: `"${this.digest}"`, br: `"${this.digest}-br"`, gzip: `"${this.digest}-gzip"` };
  }

  /** The encoding to send for an Accept-Encoding header (identity for small bodies). */
  choose(acceptEncoding: string | undefined): Encoding {
    return this.body.length < minCompressBytes ? "identity" : negotiate(acceptEncoding);
  }

  /** A strong validator per encoding: a compressed copy is a different representation (RFC 9110, 8.8.3). */
  etag(encoding: Encoding): string {
    return this.#etags[encoding];
  }

  readonly #etags: Record<Encoding, string>;

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

  encoded(encoding: Encoding): Promise<Buffer> {
    if (encoding === "identity") return Promise.resolve(this.body);
    let made = this.#encoded.get(encoding);
    if (!made) {
      made =
        encoding === "br"
          ? brotli(this.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: this.body.length } })
          : gzipAsync(this.body, { level: 6 });
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
