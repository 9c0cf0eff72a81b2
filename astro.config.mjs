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
  build: { format: "directory" },
  devToolbar: { enabled: false },
});
