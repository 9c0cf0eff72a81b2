import { formatRegistryProblem } from "../../src/registry/problem.ts";
import { checkEntries } from "../../src/registry/validate.ts";
import { warningSummaryLines } from "../../src/registry/warnings.ts";
import { defineCommand } from "./shared/command.ts";
import { entriesOption, jsonOption, requireEntriesDir } from "./shared/options.ts";

export default defineCommand({
  description:
    'Checks JSON syntax (with line:column), the strict contract (unknown fields are errors, with the field probably\nmeant), ids (file names), variants listed on both sides, URLs and sha256 shared only by declared variants, and\nthat each platform\'s status follows from its evidence. Exits 1 when anything is wrong. Warns, without failing,\nand saying what fixes each: an entry FIAB\'s views leave out (a missing field, with the extract-basic-metadata\ncommand that fills it, or a value FIAB\'s runtime would fail on), a time step FIAB cannot parse ("1d": write\n"24h"), a limited area without bounds, an empty description or author, an estimate without its rule. Warnings\nof one kind are shown once with how many more there are; --verbose shows every one.',
  options: {
    entries: entriesOption,
    json: jsonOption,
    quiet: { type: "boolean", description: "print problems only: no warnings, no summary" },
    verbose: { type: "boolean", description: "print every warning, not one per kind with a count" },
    format: {
      type: "string",
      choices: ["text", "github"],
      default: "text",
      valueName: "text|github",
      description: "github: problems and warnings as GitHub annotations on the field's line (::error file=,line=::)",
    },
  },
  examples: [
    "npm run -s registry -- validate",
    "npm run -s registry -- validate --entries my-entries --json",
    "npm run -s registry -- validate --format github",
  ],
  async run({ options, out, log }) {
    const dir = await requireEntriesDir(options.entries);
    const { files, problems, warnings } = await checkEntries(dir);
    if (options.format === "github" && !options.json) {
      const { githubAnnotations } = await import("../publish/github-annotations.ts");
      for (const line of await githubAnnotations(problems, "error")) out(line);
      if (!options.quiet) for (const line of await githubAnnotations(warnings, "warning")) out(line);
    } else if (options.json) out(JSON.stringify({ ok: problems.length === 0, entries: files, problems, warnings }, null, 2));
    else for (const p of problems) out(formatRegistryProblem(p));
    if (!options.json && !options.quiet && options.format !== "github") {
      const lines = options.verbose ? warnings.map(formatRegistryProblem) : warningSummaryLines(warnings, formatRegistryProblem, "--verbose lists each");
      for (const line of lines) log(`warning: ${line}`);
    }
    const warned = warnings.length === 0 ? "" : `, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
    if (problems.length > 0) {
      log(`validate: ${problems.length} problem${problems.length === 1 ? "" : "s"}${warned} in ${dir}`);
      return 1;
    }
    if (!options.quiet) log(`validate: ${files} entries in ${dir}, no problems${warned}`);
    return 0;
  },
});
