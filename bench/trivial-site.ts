// The yardstick for the catalog's build: a trivial Astro site of as many pages, each a title and a heading,
// built by the same Astro in the same run. What the catalog costs beyond it is its own work.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Writes the project under `dir` (inside the repository, so that it finds node_modules); returns its root. */
export async function writeTrivialSite(dir: string, pages: number): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, "src", "pages"), { recursive: true });
  await writeFile(
    join(dir, "astro.config.mjs"),
    `import { defineConfig } from "astro/config";\nexport default defineConfig({ output: "static", build: { format: "directory" }, devToolbar: { enabled: false } });\n`,
  );
  await writeFile(
    join(dir, "src", "pages", "[n].astro"),
    `---\nexport function getStaticPaths() { return Array.from({ length: ${pages} }, (_, i) => ({ params: { n: String(i) } })); }\nconst { n } = Astro.params;\n---\n<html lang="en"><head><title>Page {n}</title></head><body><h1>Page {n}</h1></body></html>\n`,
  );
  return dir;
}
