// @ts-check
import { defineConfig } from "astro/config";
import { registrySite } from "./src/integrations/registry-site.ts";

export default defineConfig({
  output: "static",
  // The public address, for the sitemap and canonical links; the default is what `npm start` serves.
  site: process.env.REGISTRY_SITE_URL ?? "http://localhost:4321/",
  integrations: [registrySite()],
  // Pages link each other relatively to the site root; `/checkpoints/x/` and `/checkpoints/x.json` coexist.
  trailingSlash: "ignore",
  // One stylesheet file that every page shares (and a browser caches once); inline, 10,000 pages would carry
  // 100 MB more. Pages rendered 32 at a time: while some wait for their files to be written, others render
  // (at 10,000 entries 19 s instead of 25 s with one at a time).
  build: { format: "directory", inlineStylesheets: "never", concurrency: 32 },
  // Scripts as files too, for the same reason: a checkpoint page's two small scripts inline were 1 KB of each of
  // 10,000 pages.
  vite: { build: { assetsInlineLimit: 0 } },
  devToolbar: { enabled: false },
});
