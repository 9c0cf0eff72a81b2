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

/**
 * node:fs through process.getBuiltinModule instead of an import: importing a builtin as an ES module makes
 * Node build its module facade, which reads every export and so loads the file streams behind fs.ReadStream
 * (4 ms of every command's start-up, measured).
 */
const fsWithoutFacade = {
  name: "fs-without-facade",
  setup(build) {
    build.onResolve({ filter: /^(node:)?fs$/ }, () => ({ path: "node:fs", namespace: "fs-without-facade" }));
    build.onLoad({ filter: /.*/, namespace: "fs-without-facade" }, async () => {
      const fs = await import("node:fs");
      const plain = Object.getOwnPropertyNames(fs.default).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && "value" in Object.getOwnPropertyDescriptor(fs.default, name));
      return { contents: `const fs = process.getBuiltinModule("node:fs");\nexport default fs;\n${plain.map((name) => `export const ${name} = fs.${name};`).join("\n")}\n`, loader: "js" };
    });
  },
};

export async function bundle() {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const result = await build({
    // The server's extraction runs in worker threads, which start from a module of their own.
    entryPoints: { main: join(root, "tooling", "cli.ts"), "extraction-worker": join(root, "tooling", "server", "extraction-worker.ts") },
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
  const count = await bundle();
  process.stderr.write(`bundled the registry command line from ${count} files into ${relative(process.cwd(), out) || "."} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
