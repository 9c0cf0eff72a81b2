import { formatRegistryProblem } from "../../src/registry/problem.ts";
import { validateEntries } from "../../src/registry/validate.ts";
import { defineCommand } from "../cli/command.ts";
import { entriesOption, jsonOption, requireEntriesDir } from "../cli/options.ts";

export default defineCommand({
  description:
    "Checks JSON syntax (with line:column), the strict contract (unknown fields are errors), ids (file names),\nvariants listed on both sides, URLs and sha256 shared only by declared variants, and that each platform's\nstatus follows from its evidence. Exits 1 when anything is wrong.",
  options: { entries: entriesOption, json: jsonOption, quiet: { type: "boolean", description: "print nothing when all is well" } },
  examples: ["npm run -s registry -- validate", "npm run -s registry -- validate --entries my-entries --json"],
  async run({ options, out, log }) {
    const dir = await requireEntriesDir(options.entries);
    const { files, problems } = await validateEntries(dir);
    if (options.json) out(JSON.stringify({ ok: problems.length === 0, entries: files, problems }, null, 2));
    else for (const p of problems) out(formatRegistryProblem(p));
    if (problems.length > 0) {
      log(`validate: ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${dir}`);
      return 1;
    }
    if (!options.quiet) log(`validate: ${files} entries in ${dir}, no problems`);
    return 0;
  },
});
