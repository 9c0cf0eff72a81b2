// Builds the command line into build/cli/ (run by `npm ci` through the prepare script, and by
// `npm run build:cli`): one ES module per command, dependencies included, so a command starts without type
// stripping or resolving hundreds of files. tooling/registry.mjs runs it while it is fresh.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "cli");
const zodSlim = join(root, "tooling", "zod-slim.mjs");

/** Our own modules get tooling/zod-slim.mjs for "zod"; it, and Zod itself, get the real package. */
const slimZod = {
  name: "slim-zod",
  setup(build) {
    build.onResolve({ filter: /^zod$/ }, (args) => (args.importer === zodSlim || args.importer.includes("node_modules") ? undefined : { path: zodSlim }));
  },
};

export async function bundle() {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const result = await build({
    entryPoints: { main: join(root, "tooling", "cli.ts") },
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    metafile: true,
    plugins: [slimZod],
    logLevel: "warning",
    // CommonJS dependencies inside an ES module need a require of their own.
    banner: { js: 'import { createRequire as __registryRequire } from "node:module"; const require = __registryRequire(import.meta.url);' },
  });
  // What the bundle was made from, with modification times: the launcher runs the bundle only while none changed.
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs)
      .filter((input) => !input.startsWith("node_modules/"))
      .map((input) => [relative(root, join(root, input)), statSync(join(root, input)).mtimeMs]),
  );
  inputs["package-lock.json"] = statSync(join(root, "package-lock.json")).mtimeMs;
  await writeFile(join(out, "inputs.json"), `${JSON.stringify(inputs)}\n`);
  return Object.keys(inputs).length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const count = await bundle();
  process.stderr.write(`bundled the registry command line from ${count} files into ${relative(process.cwd(), out) || "."} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
