// Builds the package from the registry's own client source (src/client/, with the parts of the contract, the
// platform rules and the text helpers it imports): dist/index.js, one ES module bundled by esbuild for Node 20+ and
// browsers alike (zod stays an import, a dependency the user's bundler shares), and dist/types/, the declarations
// tsc writes for the same files. Runs with the repository's esbuild and TypeScript (npm ci at the root first).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const entry = join(root, "src", "client", "index.ts");
const dist = join(here, "dist");
const started = performance.now();

await rm(dist, { recursive: true, force: true });

// Node 20 and every browser of the last years run ES2022; String#isWellFormed (Node 20, 2023 browsers) is called, not compiled.
await build({
  entryPoints: [entry],
  outfile: join(dist, "index.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["zod"],
  legalComments: "none",
  logLevel: "warning",
});

const options = {
  declaration: true,
  emitDeclarationOnly: true,
  outDir: join(dist, "types"),
  rootDir: join(root, "src"),
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2024.d.ts", "lib.dom.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  strict: true,
  skipLibCheck: true,
  types: [],
};
const program = ts.createProgram([entry], options);
const written = [];
const emitted = program.emit(undefined, (file, text) => written.push({ file, text }));
const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
if (problems.length > 0) {
  process.stderr.write(ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" }));
  process.exit(1);
}
// The sources import each other as ".ts" (run by Node's type stripping); the declarations sit beside ".js" files.
for (const { file, text } of written) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text.replace(/(from\s+["']\.{1,2}\/[^"']+)\.ts(["'])/g, "$1.js$2").replace(/(import\(["']\.{1,2}\/[^"']+)\.ts(["']\))/g, "$1.js$2"));
}
const size = (await readFile(join(dist, "index.js"))).byteLength;
process.stderr.write(
  `built ${relative(root, dist)}: index.js (${Math.round(size / 1024)} KiB) and ${written.length} declaration files in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
