// Reading a JSON document the user pointed us at, with a size cap and errors that name the file and place.
import { open } from "node:fs/promises";
import { JsonSyntaxError, parseJsonText } from "./json-text.ts";

export class InputFileError extends Error {}

export async function readJsonFile(path: string, maxBytes: number): Promise<unknown> {
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    throw new InputFileError(`${path}: cannot read (${error.code ?? error.message})`);
  });
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new InputFileError(`${path}: ${size} bytes, over the ${maxBytes}-byte cap`);
    const text = await handle.readFile("utf8");
    try {
      return parseJsonText(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw new InputFileError(`${path}:${error.line}:${error.column}: ${error.message}`);
      throw error;
    }
  } finally {
    await handle.close();
  }
}
