// Astro integration: wires the registry into `astro build`. Its hooks only call the modules that do the
// work. The publish thread (a thread of its own) validates the entries exactly as `validate` does (nothing is
// published when one fails), hands over each checkpoint page's content as its entry passes and the catalog's
// with the verdict, while the site is bundled and the pages render, then writes the published files and has
// Pagefind write the search index;
// the site is built in a staging folder that replaces the output only when the build succeeds; the sitemap is
// written at the end.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AstroIntegration, AstroIntegrationLogger } from "astro";
import { robotsTxt, sitemapXml } from "../publish/sitemap.ts";
import { formatRegistryProblem, type Problem } from "../registry/problem.ts";
import { warningSummaryLines } from "../registry/warnings.ts";
import { provideSiteContent, siteEntriesDir } from "../site/entries.ts";
import { sitemapPaths } from "../site/pages.ts";
import { startPublishThread, type PublishThread } from "./publish-thread-client.ts";
import { stageOutput, type StagedOutput } from "./staged-output.ts";

/** One line per kind of warning, with how many more are like it. */
function logWarnings(warnings: readonly Problem[], logger: AstroIntegrationLogger): void {
  for (const line of warningSummaryLines(warnings, formatRegistryProblem, "npm run -s registry -- validate --verbose lists each")) logger.warn(line);
}

export function registrySite(): AstroIntegration {
  let staged: StagedOutput | undefined;
  let publishThread: PublishThread | undefined;
  let site: URL | undefined;
  let files: Promise<number> | undefined;
  return {
    name: "fiab-registry-site",
    hooks: {
      "astro:config:setup": async ({ command, config, updateConfig, logger }) => {
        if (command !== "build") return;
        staged = stageOutput(fileURLToPath(config.outDir), fileURLToPath(config.root));
        const dir = siteEntriesDir();
        // Validated once, by the publish thread on the second core, which also writes each checkpoint page's
        // content as its entry passes, while this thread bundles the site and renders the pages: each checkpoint
        // page waits for its content only, the catalog for the verdict, and a problem fails the build before
        // anything is published.
        const feed = provideSiteContent();
        site = config.site ? new URL(config.site) : undefined;
        const thread = startPublishThread(fileURLToPath(config.root), dir, site, (pages) => feed.add(pages));
        publishThread = thread;
        thread.validated.then(
          async ({ files: read, problems, warnings, catalog }) => {
            if (problems.length > 0) {
              await thread.stop();
              for (const p of problems) logger.error(formatRegistryProblem(p));
              logger.error(
                `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${dir}: nothing was published (run \`npm run -s registry -- validate\`)`,
              );
              // The build ends here. Failing the pages instead would have every page that waits print the same
              // error with a stack trace; the staged output is removed on exit (staged-output.ts).
              process.exit(1);
            }
            logWarnings(warnings, logger);
            logger.info(`${read} entries in ${dir} are valid`);
            feed.finish(catalog!);
          },
          (error: unknown) => feed.fail(error instanceof Error ? error : new Error(String(error))),
        );
        updateConfig({ outDir: pathToFileURL(`${staged.staging}/`) });
      },
      // After Astro has emptied the output folder, before it renders: from here the published JSON files
      // (10,000 Astro routes took ten seconds) and the search index are written beside the rendering.
      "astro:build:setup": () => {
        if (!staged || !publishThread || files) return;
        files = publishThread.writePublishedFiles(staged.staging);
      },
      "astro:build:done": async ({ pages, logger }) => {
        if (!staged || !files) return;
        const out = staged.staging;
        if (site) {
          await writeFile(join(out, "sitemap.xml"), sitemapXml(site, sitemapPaths(pages.map((p) => p.pathname))));
          await writeFile(join(out, "robots.txt"), robotsTxt(site));
        }
        const waiting = performance.now();
        await files;
        await staged.commit();
        // bench/catalog.ts reads how long the end of the build waited for the files and the index.
        logger.info(`published JSON files and the search index written; waited ${Math.round(performance.now() - waiting)} ms for them after the pages`);
      },
    },
  };
}
