import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  CliError
} from "./chunk-STXQ2W3N.js";

// tooling/entries-dir.ts
import { stat } from "node:fs/promises";
async function requireEntriesDir(dir) {
  const info = await stat(dir).catch(() => void 0);
  if (!info?.isDirectory()) throw new CliError(`entries folder "${dir}" does not exist (pass --entries DIR)`);
  return dir;
}

export {
  requireEntriesDir
};
