// Random access to the bytes of a checkpoint, wherever it lives: a local file or an HTTP server that
// honours Range requests. The zip reader only asks for the ranges it needs through this interface.
import { RegistryError } from "../../src/errors.ts";

export interface ByteSource {
  /** Path or URL, for messages. */
  readonly name: string;
  /** Total size of the file in bytes, known once the source is open. */
  readonly size: number;
  /** Exactly `length` bytes starting at `offset`; throws ByteSourceError when the source gives fewer. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Optional hint: these ranges will be read soon (a remote source fetches them in as few requests as it can). */
  prefetch?(ranges: ReadonlyArray<{ offset: number; length: number }>): Promise<void>;
  /** Optional: whether reading this range needs no request (a remote source's cache). */
  isCached?(offset: number, length: number): boolean;
  close(): Promise<void>;
}

export class ByteSourceError extends RegistryError {}
