// Astro integration: wires the registry into `astro build`. Its hooks only call the modules that do the
// work: the entries are validated exactly as `validate` does (nothing is published when one fails); the
// site is built in a staging folder that replaces the output only when the build succeeds; the search index
// is built beside the rendering; and the per-entry JSON files, the sitemap and the index are written at
// the end.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AstroIntegration, AstroIntegrationLogger } from "astro";
import { entryJsonText } from "../publish/documents.ts";
import { robotsTxt, sitemapXml } from "../publish/sitemap.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { formatRegistryProblem, type Problem } from "../registry/problem.ts";
import { validateEntries } from "../registry/validate.ts";
import { provideSiteEntries, siteEntriesDir } from "../site/entries.ts";
import { sitemapPaths } from "../site/pages.ts";
import { startSearchIndex, type SearchIndexJob } from "./search-index.ts";
import { stageOutput, type StagedOutput } from "./staged-output.ts";

const shownWarnings = 20;

function logWarnings(warnings: readonly Problem[], logger: AstroIntegrationLogger): void {
  for (const w of warnings.slice(0, shownWarnings)) logger.warn(formatRegistryProblem(w));
  if (warnings.length > shownWarnings) logger.warn(`and ${warnings.length - shownWarnings} more warnings (npm run -s registry -- validate lists them)`);
}

/** 10,000 files written here take a tenth of a second; as Astro routes they took ten. */
function writeEntryFiles(outDir: string, entries: readonly LoadedEntry[]): void {
  mkdirSync(join(outDir, "checkpoints"), { recursive: true });
  for (const { id, entry } of entries) writeFileSync(join(outDir, "checkpoints", `${id}.json`), entryJsonText(entry));
}

export function registrySite(): AstroIntegration {
  let entries: LoadedEntry[] = [];
  let staged: StagedOutput | undefined;
  let search: SearchIndexJob | undefined;
  let site: URL | undefined;
  return {
    name: "fiab-registry-site",
    hooks: {
      "astro:config:setup": async ({ command, config, updateConfig, logger }) => {
        if (command !== "build") return;
        staged = stageOutput(fileURLToPath(config.outDir), fileURLToPath(config.root));
        const dir = siteEntriesDir();
        const result = await validateEntries(dir);
        if (result.problems.length > 0) {
          for (const p of result.problems) logger.error(formatRegistryProblem(p));
          const n = result.problems.length;
          throw new Error(`${n} problem${n === 1 ? "" : "s"} in ${dir}: nothing was published (run \`npm run -s registry -- validate\`)`);
        }
        logWarnings(result.warnings, logger);
        entries = result.entries;
        provideSiteEntries(entries);
        search = startSearchIndex(entries);
        site = config.site ? new URL(config.site) : undefined;
        updateConfig({ outDir: pathToFileURL(`${staged.staging}/`) });
        logger.info(`${entries.length} entries in ${dir} are valid`);
      },
      "astro:build:done": async ({ dir, pages, logger }) => {
        if (!staged || !search) return;
        const out = fileURLToPath(dir);
        writeEntryFiles(out, entries);
        if (site) {
          writeFileSync(join(out, "sitemap.xml"), sitemapXml(site, sitemapPaths(pages.map((p) => p.pathname))));
          writeFileSync(join(out, "robots.txt"), robotsTxt(site));
        }
        const { records } = await search.write(join(out, "pagefind"));
        staged.commit();
        logger.info(`${entries.length} entry files, the sitemap and a search index of ${records} records written`);
      },
    },
  };
}
