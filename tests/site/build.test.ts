// The published site, built by the real `astro build` from the catalog's entries (tests/fixtures/entries/catalog).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fg from "fast-glob";
import { beforeAll, describe, expect, it } from "vitest";
import { core1Artifact, core2Artifact } from "../../src/fiab/store-contract.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { checkpointPageIn } from "../../src/site/checkpoint-page/page.ts";
import { catalogEntriesDir, copyOfCatalogEntries as copyOfEntries } from "../support/catalog-entries.ts";
import { editJson, fixture, readJson, repoRoot, tempDir } from "../support/helpers.ts";
import { astroBuild } from "../support/site-build.ts";

async function treeDigest(dir: string): Promise<Record<string, string>> {
  const files = (await fg("**/*", { cwd: dir, onlyFiles: true, dot: true })).sort();
  const digest: Record<string, string> = {};
  for (const file of files)
    digest[file] = createHash("sha256")
      .update(await readFile(join(dir, file)))
      .digest("hex");
  return digest;
}

let site: string;
beforeAll(async () => {
  site = join(await tempDir(), "dist");
  const result = await astroBuild(catalogEntriesDir, site);
  expect(result.exitCode, result.all).toBe(0);
});

describe("checkpoint pages", () => {
  it("hold what checkpointPage writes for each entry, with its variants, history and the site's address", async () => {
    // The build's publish thread writes them as the entries pass; the dev server writes them on request.
    const entries = await loadValidEntries(catalogEntriesDir);
    const byId = new Map(entries.map((e) => [e.id, e.entry]));
    for (const { id, entry } of entries) {
      const page = checkpointPageIn(catalogEntriesDir, id, entry, (v) => byId.get(v), new URL("http://localhost:4321/"));
      const html = await readFile(join(site, "checkpoints", id, "index.html"), "utf8");
      expect(html, id).toContain(page.body);
    }
  });
});

describe("published files", () => {
  it("holds every entry in modelRegistry.json and one file per entry", async () => {
    const registry = await readJson(join(site, "modelRegistry.json"));
    const ids = (await fg("*.json", { cwd: catalogEntriesDir })).map((f) => f.replace(/\.json$/, "")).sort();
    expect(registry.schemaVersion).toBe(1);
    expect(Object.keys(registry.checkpoints)).toEqual(ids);
    for (const id of ids) {
      const published = await readJson(join(site, "checkpoints", `${id}.json`));
      expect(published).toEqual(registry.checkpoints[id]);
      const { $schema: _, ...authored } = await readJson(join(catalogEntriesDir, `${id}.json`));
      expect(published).toEqual(authored);
      expect(existsSync(join(site, "checkpoints", id, "index.html"))).toBe(true);
    }
  });

  it("validates every published entry against the published JSON Schemas with ajv", async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const registry = await readJson(join(site, "modelRegistry.json"));
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    for (const kind of ["authoring", "consuming"]) {
      const validate = ajv.compile(await readJson(join(site, "schema", "v1", `entry.${kind}.json`)));
      validators.set(kind, validate);
      for (const [id, entry] of Object.entries(registry.checkpoints)) {
        expect(validate(entry), `${id} against ${kind}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
    // and the schema is not vacuous: a typo'd field fails the authoring schema
    const authoring = validators.get("authoring")!;
    expect(authoring({ ...(Object.values(registry.checkpoints)[0] as object), sourceUrl: "x" })).toBe(false);
  });

  it("publishes FIAB views an unmodified FIAB reads", async () => {
    // FIAB's own store, with the descriptions the registry found published, less BRIS-2025.10, whose region of
    // interest is not among its input options (FIAB's get_additional_kwargs would raise).
    const core2 = await readJson(join(site, "fiab", "core-2", "artifacts.json"));
    const store = await readJson(fixture("fiab/artifacts.core-2.json"));
    expect(Object.keys(core2.artifacts).sort()).toEqual(
      Object.keys(store.artifacts)
        .filter((id) => id !== "BRIS-2025.10")
        .sort(),
    );
    for (const [id, artifact] of Object.entries<any>(core2.artifacts)) {
      expect(artifact.common.display_description, id).not.toBe("");
      expect({ ...artifact, common: { ...artifact.common, display_description: "" } }, id).toEqual(store.artifacts[id]);
    }
    const core1 = await readJson(join(site, "fiab", "core-1", "artifacts.json"));
    expect(Object.keys(core1.artifacts)).toHaveLength(10);
    for (const artifact of Object.values(core1.artifacts)) expect(core1Artifact.parse(artifact)).toBeTruthy();
    for (const artifact of Object.values(core2.artifacts)) expect(core2Artifact.parse(artifact)).toBeTruthy();
  });

  it("has a favicon, a 404 page, a sitemap of every page and a search index of every entry", async () => {
    const ids = Object.keys((await readJson(join(site, "modelRegistry.json"))).checkpoints);
    expect(existsSync(join(site, "favicon.svg"))).toBe(true);
    expect(await readFile(join(site, "404.html"), "utf8")).toContain("<title>Page not found");
    const sitemap = await readFile(join(site, "sitemap.xml"), "utf8");
    const locs = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
    expect(locs.sort()).toEqual(["/", "/contract/", ...ids.map((id) => `/checkpoints/${id}/`)].sort());
    expect(await readFile(join(site, "robots.txt"), "utf8")).toContain("Sitemap: http://localhost:4321/sitemap.xml");
    const pagefind = await readJson(join(site, "pagefind", "pagefind-entry.json"));
    expect(pagefind.languages.en.page_count).toBe(ids.length);
  });

  it("gives every page its own title and description", async () => {
    const pages = await fg("**/*.html", { cwd: site });
    const heads = await Promise.all(
      pages.map(async (p) => {
        const html = await readFile(join(site, p), "utf8");
        return { title: /<title>([^<]+)<\/title>/.exec(html)?.[1], description: /<meta name="description" content="([^"]+)"/.exec(html)?.[1] };
      }),
    );
    expect(heads.every((h) => h.title && h.description && h.description.length > 40)).toBe(true);
    expect(new Set(heads.map((h) => h.title)).size).toBe(pages.length);
  });

  it("uses no resource from outside the site", async () => {
    for (const file of await fg("**/*.{html,css,js}", { cwd: site })) {
      const text = await readFile(join(site, file), "utf8");
      const external = [...text.matchAll(/<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="((?:https?:)?\/\/[^"]+)"/g)].map((m) => m[1]);
      const cssExternal = [...text.matchAll(/(?:url\(|@import\s+)["']?((?:https?:)?\/\/[^"')]+)/g)].map((m) => m[1]);
      expect([...external, ...cssExternal], file).toEqual([]);
    }
  });
});

describe("the build", () => {
  it("is deterministic: the same entries give byte-identical files", async () => {
    const again = join(await tempDir(), "dist");
    const result = await astroBuild(catalogEntriesDir, again);
    expect(result.exitCode, result.all).toBe(0);
    expect(await treeDigest(again)).toEqual(await treeDigest(site));
  });

  it("leaves no earlier site behind when a build fails, and no half-written one", async () => {
    const entries = await copyOfEntries();
    const out = join(await tempDir(), "dist");
    expect((await astroBuild(entries, out)).exitCode).toBe(0);
    expect(existsSync(join(out, "index.html"))).toBe(true);
    await editJson(join(entries, "imerg-gt.json"), (d) => (d.display.name = ""));
    const failed = await astroBuild(entries, out);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.all).toContain("nothing was published");
    expect(existsSync(out)).toBe(false);
    expect(await fg("*", { cwd: join(out, ".."), dot: true, onlyFiles: false })).toEqual([]);
  });

  // A broken entry fails the contract as it is read; a variant naming no entry passes the contract, so every
  // checkpoint page renders before the checks across entries fail the build.
  it.each([
    [
      "an entry is broken",
      (d: any) => (d.source.url = "ftp://example.org/x.ckpt"),
      'imerg-gt.json: source.url: an http(s) URL; found "ftp://example.org/x.ckpt"',
    ],
    [
      "only the checks across entries fail, after every page has rendered",
      (d: any) => (d.variants = ["no-such-entry"]),
      "imerg-gt.json: variants[0]: variant names no entry",
    ],
  ])("publishes nothing when %s, and says why in words", async (_, edit, problem) => {
    const entries = await copyOfEntries();
    await editJson(join(entries, "imerg-gt.json"), edit);
    const out = join(await tempDir(), "dist");
    const result = await astroBuild(entries, out);
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain(problem);
    expect(result.all).toContain("nothing was published");
    // The file and field, not a stack trace, and not once per page that waited.
    expect(result.all).not.toMatch(/^\s+at |Stack trace|Caught error rendering/m);
    expect(existsSync(out)).toBe(false);
    expect(relative(repoRoot, out).startsWith("..")).toBe(true);
  });
});
