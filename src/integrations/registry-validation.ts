// Astro integration: the build validates the entries first, exactly as `validate` does, and stops before
// writing anything when they fail. It also reports entries left out of a FIAB view.
import type { AstroIntegration } from "astro";
import { fiabContracts } from "../fiab/store-contract.ts";
import { formatRegistryProblem } from "../registry/problem.ts";
import { fiabView } from "../publish/documents.ts";
import { provideSiteEntries, siteEntriesDir } from "../site/entries.ts";
import { validateEntries } from "../registry/validate.ts";

export function registryValidation(): AstroIntegration {
  return {
    name: "fiab-registry-validation",
    hooks: {
      "astro:config:setup": async ({ command, logger }) => {
        if (command !== "build") return;
        const dir = siteEntriesDir();
        const { entries, problems } = await validateEntries(dir);
        if (problems.length > 0) {
          for (const p of problems) logger.error(formatRegistryProblem(p));
          throw new Error(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${dir}: nothing was published (run \`npm run -s registry -- validate\`)`);
        }
        for (const contract of fiabContracts) {
          for (const x of fiabView(entries, contract).excluded) logger.warn(`${x.id} left out of the FIAB ${contract} view: missing ${x.missing.join(", ")}`);
        }
        provideSiteEntries(entries);
        logger.info(`${entries.length} entries in ${dir} are valid`);
      },
    },
  };
}
