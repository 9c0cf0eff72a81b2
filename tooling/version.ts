// The registry tooling's name and version, as recorded in evidence and result records.
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { name: string; version: string };

export const tool = { name: manifest.name, version: manifest.version };

export function toolFor(command: string): { name: string; version: string } {
  return { name: `${manifest.name} ${command}`, version: manifest.version };
}
