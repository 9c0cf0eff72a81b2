// @ts-check
import { defineConfig } from "astro/config";
import { registryValidation } from "./src/integrations/registry-validation.ts";

export default defineConfig({
  output: "static",
  integrations: [registryValidation()],
  // Pages link each other relatively to the site root; `/checkpoints/x/` and `/checkpoints/x.json` coexist.
  trailingSlash: "ignore",
  build: { format: "directory" },
  devToolbar: { enabled: false },
});
