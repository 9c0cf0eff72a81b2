// sitemap.xml and robots.txt for search engines: every HTML page of the catalog by its absolute URL, in a
// fixed order, so the same pages give the same bytes.
import { byCodePoint } from "../text/code-point-order.ts";
import { escapeMarkup } from "../text/markup.ts";

/** `site`: the public address of the catalog's root, e.g. https://example.org/registry/. */
export function sitemapXml(site: URL, paths: readonly string[]): string {
  const urls = [...new Set(paths)].sort(byCodePoint).map((p) => `  <url><loc>${escapeMarkup(new URL(p.replace(/^\//, ""), site).href)}</loc></url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join("\n")}\n</urlset>\n`;
}

export function robotsTxt(site: URL): string {
  return `User-agent: *\nAllow: /\nSitemap: ${new URL("sitemap.xml", site).href}\n`;
}
