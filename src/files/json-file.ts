// Reading a JSON document the user pointed us at, with a size cap and errors that name the file and place.
import { open } from "node:fs/promises";
import { RegistryError } from "../errors.ts";
import { decodeUtf8, JsonTextError, parseJsonDocument } from "./json-document.ts";

export class InputFileError extends RegistryError {}

export async function readJsonFile(path: string, maxBytes: number): Promise<unknown> {
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    throw new InputFileError(`${path}: cannot read (${error.code ?? error.message})`);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputFileError(`${path}: not a regular file`);
    if (info.size > maxBytes) throw new InputFileError(`${path}: ${info.size} bytes, over the ${maxBytes}-byte cap`);
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw new InputFileError(`${path}: over the ${maxBytes}-byte cap`);
    try {
      return parseJsonDocument(decodeUtf8(bytes));
    } catch (error) {
      if (error instanceof JsonTextError) throw new InputFileError(`${path}:${error.line}:${error.column}: ${error.message}`);
      throw error;
    }
  } finally {
    await handle.close();
  }
}
