// The size of a build's published output: every file under the output folder, and modelRegistry.json alone.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

export interface OutputSize {
  files: number;
  bytes: number;
  modelRegistryJsonBytes: number;
}

export async function outputSize(distDir: string): Promise<OutputSize> {
  let files = 0;
  let bytes = 0;
  for (const dirent of await readdir(distDir, { recursive: true, withFileTypes: true })) {
    if (!dirent.isFile()) continue;
    files++;
    bytes += (await stat(join(dirent.parentPath, dirent.name))).size;
  }
  const modelRegistryJsonBytes = (await stat(join(distDir, "modelRegistry.json"))).size;
  return { files, bytes, modelRegistryJsonBytes };
}
