// A ByteSource over a local file.
import { open, type FileHandle } from "node:fs/promises";
import { ByteSourceError, type ByteSource } from "./byte-source.ts";

export class FileSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly #handle: FileHandle;
  #bytesRead = 0;

  private constructor(name: string, handle: FileHandle, size: number) {
    this.name = name;
    this.#handle = handle;
    this.size = size;
  }

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
      throw new ByteSourceError(`${path}: cannot open (${error.code ?? error.message})`);
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new ByteSourceError(`${path}: not a regular file`);
    }
    return new FileSource(path, handle, info.size);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new ByteSourceError(`${this.name}: read of ${length} bytes at offset ${offset} is beyond the end of the file (${this.size} bytes)`);
    }
    const buffer = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) throw new ByteSourceError(`${this.name}: file ended at offset ${offset + done} while reading ${length} bytes at ${offset}`);
      done += bytesRead;
    }
    this.#bytesRead += length;
    return buffer;
  }

  /** Bytes returned by read() so far. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
