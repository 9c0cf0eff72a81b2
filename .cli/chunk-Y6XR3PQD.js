import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  JsonSyntaxError,
  parseJsonText
} from "./chunk-STXQ2W3N.js";

// src/registry/json-file.ts
import { open } from "node:fs/promises";
var InputFileError = class extends Error {
};
async function readJsonFile(path, maxBytes) {
  const handle = await open(path, "r").catch((error) => {
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

export {
  InputFileError,
  readJsonFile
};
