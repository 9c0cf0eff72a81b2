// `npm run -s registry -- <command>`: runs the bundled command line (build/cli/, made by tooling/bundle.mjs
// on `npm ci`) with V8's compile cache, while no file it was built from has changed since; otherwise the
// TypeScript source itself, which is slower to start but always current. Plain JavaScript, so that starting
// needs no type stripping.
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Not `import ... from "node:fs"`: that builds fs's module facade, which loads the file streams (4 ms).
const { readFileSync, statSync } = process.getBuiltinModule("node:fs");
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundleDir = join(root, "build", "cli");

function bundleIsFresh() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(bundleDir, "inputs.json"), "utf8"));
  } catch {
    return false;
  }
  for (const [file, mtimeMs] of Object.entries(inputs)) {
    const now = statSync(join(root, file), { throwIfNoEntry: false });
    if (now?.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

if (process.env.REGISTRY_SOURCE !== "1" && bundleIsFresh()) {
  nodeModule.enableCompileCache?.(join(bundleDir, ".compile-cache"));
  const { runProcess } = await import(join(bundleDir, "main.js"));
  await runProcess();
} else {
  const { runProcess } = await import("./cli.ts");
  await runProcess();
}
