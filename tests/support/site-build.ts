// Builds the catalog with the real `astro build`, from any entries folder, into any output folder.
import { join } from "node:path";
import { execa } from "execa";
import { repoRoot } from "./paths.ts";

export function astroBuild(entriesDir: string, outDir: string, env: Record<string, string> = {}) {
  return execa(process.execPath, [join(repoRoot, "node_modules/astro/bin/astro.mjs"), "build", "--outDir", outDir], {
    cwd: repoRoot,
    env: { REGISTRY_ENTRIES: entriesDir, NO_COLOR: "1", ASTRO_TELEMETRY_DISABLED: "1", ...env },
    reject: false,
    all: true,
  });
}
