// A ByteSource over bytes in memory (tests and benchmarks).
import { ByteSourceError, type ByteSource } from "./byte-source.ts";

export class MemorySource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #bytes: Uint8Array;

  constructor(name: string, bytes: Uint8Array) {
    this.name = name;
    this.#bytes = bytes;
    this.size = bytes.length;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new ByteSourceError(`${this.name}: read of ${length} bytes at offset ${offset} is beyond the end (${this.size} bytes)`);
    }
    return this.#bytes.subarray(offset, offset + length);
  }

  async close(): Promise<void> {}
}
