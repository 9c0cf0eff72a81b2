// Builds the command line into build/cli/ (run by `npm ci` through the prepare script, and by
// `npm run build:cli`; `node tooling/bundle.mjs DIR` writes elsewhere): one ES module per command, dependencies included, so a command starts without type
// stripping or resolving hundreds of files. tooling/registry.mjs runs it while it is fresh.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const defaultOut = join(root, "build", "cli");
const zodSlim = join(root, "tooling", "zod-slim.mjs");

/** Our own modules get tooling/zod-slim.mjs for "zod"; it, and Zod itself, get the real package. */
const slimZod = {
  name: "slim-zod",
  setup(build) {
    build.onResolve({ filter: /^zod$/ }, (args) => (args.importer === zodSlim || args.importer.includes("node_modules") ? undefined : { path: zodSlim }));
  },
};

/**
 * node:fs through process.getBuiltinModule instead of an import: importing a builtin as an ES module makes
 * Node build its module facade, which reads every export and so loads the file streams behind fs.ReadStream
 * (4 ms of every command's start-up, measured). The shim is CommonJS, so esbuild reads each name a module
 * imports only when that module uses it: no list of names taken from the Node that builds the bundle (Node 20
 * would list fs.F_OK, whose read Node 24 deprecates with a warning), so every Node builds the same bundle.
 */
const fsWithoutFacade = {
  name: "fs-without-facade",
  setup(build) {
    build.onResolve({ filter: /^(node:)?fs$/ }, () => ({ path: "node:fs", namespace: "fs-without-facade" }));
    build.onLoad({ filter: /.*/, namespace: "fs-without-facade" }, () => ({
      contents: 'module.exports = process.getBuiltinModule("node:fs");\n',
      loader: "js",
    }));
  },
};

/** Bundles into `out` (build/cli/ by default); the number of the repository's files it was made from. */
export async function bundle(out = defaultOut) {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const result = await build({
    // The server's extraction runs in child processes, which start from a module of their own.
    entryPoints: { main: join(root, "tooling", "cli.ts"), "extraction-child": join(root, "tooling", "server", "extraction-child.ts") },
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    metafile: true,
    // undici is loaded on the first HTTP request; bundled, its CommonJS exports come out incomplete. Fastify
    // and its plugins, loaded only by `serve`, stay the packages they are (they resolve files at run time).
    external: ["undici", "fastify", "@fastify/*"],
    plugins: [slimZod, fsWithoutFacade],
    logLevel: "warning",
    // CommonJS dependencies inside an ES module need a require of their own.
    banner: { js: 'import { createRequire as __registryRequire } from "node:module"; const require = __registryRequire(import.meta.url);' },
  });
  // What the bundle was made from, with modification times: the launcher runs the bundle only while none changed.
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs)
      .filter((input) => !input.startsWith("node_modules/") && !input.includes(":"))
      .map((input) => [relative(root, join(root, input)), statSync(join(root, input)).mtimeMs]),
  );
  inputs["package-lock.json"] = statSync(join(root, "package-lock.json")).mtimeMs;
  await writeFile(join(out, "inputs.json"), `${JSON.stringify(inputs)}\n`);
  return Object.keys(inputs).length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const out = process.argv[2] ? resolve(process.argv[2]) : defaultOut;
  const count = await bundle(out);
  process.stderr.write(
    `bundled the registry command line from ${count} files into ${relative(process.cwd(), out) || "."} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
