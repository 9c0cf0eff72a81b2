// dist/_headers, the per-path response headers of Netlify and Cloudflare Pages (other hosts: README,
// "Host configuration"). Both hosts join the values of a header that several rules set, so no two rules
// here set the same header on overlapping paths.

/** Documents that change with each publication (and their signatures): cached a minute, then revalidated
 * by ETag. A minute bounds how stale FIAB's start-up read is after a publication, and how long a cache
 * may pair a new document with an old .sig (a client that sees that reads the pinned copy instead). */
export const mutableCacheControl = "public, max-age=60, must-revalidate";
export const immutableCacheControl = "public, max-age=31536000, immutable";

const rules: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ["/*", { "X-Content-Type-Options": "nosniff" }],
  // Hashed paths: their bytes never change (revisions by content, Astro's assets by file name).
  ["/revisions/*", { "Access-Control-Allow-Origin": "*", "Cache-Control": immutableCacheControl }],
  ["/_astro/*", { "Cache-Control": immutableCacheControl }],
  // Read by FIAB, clients and mirrors from other origins.
  ...["/modelRegistry.json", "/modelRegistry.json.sig", "/keys.json", "/fiab/*", "/checkpoints/*", "/schema/*"].map(
    (path) => [path, { "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag", "Cache-Control": mutableCacheControl }] as const,
  ),
];

export function hostHeadersText(): string {
  return `${rules.map(([path, headers]) => [path, ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`)].join("\n")).join("\n\n")}\n`;
}
