// Every way a checkpoint can fail to be a readable zip, with the byte offset where it went wrong.
import { RegistryError } from "../../src/errors.ts";

export class ZipFormatError extends RegistryError {
  readonly offset: number | undefined;
  constructor(source: string, message: string, offset?: number) {
    super(`${source}: ${message}${offset !== undefined ? ` (at byte offset ${offset})` : ""}`);
    this.offset = offset;
  }
}
