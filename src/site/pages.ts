// Which pages the sitemap lists: every page a search engine should show, not the 404 page or the
// comparison tool (its content depends on the query).
const unlisted = new Set(["404/", "404.html", "compare/"]);

/** Site paths of the pages to list, from Astro's page paths ("checkpoints/x/"), each starting with "/". */
export function sitemapPaths(pathnames: readonly string[]): string[] {
  return pathnames.filter((p) => !unlisted.has(p) && !p.endsWith(".json")).map((p) => `/${p}`);
}
