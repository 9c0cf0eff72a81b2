// Builds the catalog with the real `astro build`, from any entries folder, into any output folder.
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { takeExclusiveLock } from "../../src/files/exclusive-lock.ts";
import { repoRoot } from "./paths.ts";

/**
 * One Astro process of this checkout at a time, across the test files' processes: Astro keeps the prerender
 * chunks of an output folder outside the working folder in `<project>/.astro/.prerender/`, where two builds at
 * once removed each other's chunks ("Cannot find module .astro/.prerender/chunks/..."), and a build and the dev
 * server both write the rest of `<project>/.astro/`. Resolves with the release once held.
 */
export async function holdAstro(): Promise<{ release(): void }> {
  const path = join(tmpdir(), `fiab-registry-test-build-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 16)}.lock`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    const lock = takeExclusiveLock(path);
    if (lock !== "held") return lock;
    if (Date.now() > deadline) throw new Error(`${path}: another test's Astro held the lock for 10 minutes`);
    await sleep(100);
  }
}

async function oneBuildAtATime<T>(build: () => Promise<T>): Promise<T> {
  const lock = await holdAstro();
  try {
    return await build();
  } finally {
    lock.release();
  }
}

// What Vitest adds to its workers' environment (Vite's import.meta.env as variables): an Astro process that sees
// them takes itself for a test's own. Its dev server then serves no page, and a build runs the dev server's routes
// (DEV=1), so a test build would not be the build a user runs.
const vitestKeys = new Set(["BASE_URL", "DEV", "PROD", "SSR", "MODE", "NODE_ENV", "TEST", "FORCE_TTY"]);

/** The environment of an Astro process started by a test, as a user's shell gives it, with `env` on top. */
export function astroEnv(env: Record<string, string>): Record<string, string> {
  const user = Object.entries(process.env).filter(
    (pair): pair is [string, string] => !vitestKeys.has(pair[0]) && !pair[0].startsWith("VITEST") && pair[1] !== undefined,
  );
  return { ...Object.fromEntries(user), NO_COLOR: "1", ASTRO_TELEMETRY_DISABLED: "1", ...env };
}

export function astroBuild(entriesDir: string, outDir: string, env: Record<string, string> = {}) {
  return oneBuildAtATime(() =>
    execa(process.execPath, [join(repoRoot, "node_modules/astro/bin/astro.mjs"), "build", "--outDir", outDir], {
      cwd: repoRoot,
      env: astroEnv({ REGISTRY_ENTRIES: entriesDir, ...env }),
      extendEnv: false,
      reject: false,
      all: true,
    }),
  );
}
