// Where the repository is, found from this module's own location, so that the same code works from the
// source (tooling/) and from the bundled command line (build/cli/): package.json, the Python scripts.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "tooling", "python"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A script of tooling/python/, run inside created environments. */
export function pythonScript(name: string): string {
  return join(repoRoot, "tooling", "python", name);
}

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };

/** The registry tooling's name and version, as recorded in evidence and result records. */
export const tool = { name: manifest.name, version: manifest.version };

export function toolFor(command: string): { name: string; version: string } {
  return { name: `${manifest.name} ${command}`, version: manifest.version };
}
