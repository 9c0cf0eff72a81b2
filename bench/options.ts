// Command-line options of `npm run bench`.
import { parseArgs } from "node:util";

/** A wrong command line: reported with the usage, exit status 2. */
export class UsageError extends Error {}

export interface BenchOptions {
  sizes: number[];
  json: boolean;
  help: boolean;
}

export const usage = `Usage: npm run -s bench -- [--sizes 1000,10000] [--json]

Generates registries of the given sizes under bench/.work/<n>/entries (copies of entries/ with new ids),
then times \`validate\` (CLI child process and in process) and \`astro build\` (wall time, peak RSS of the
process tree, published output size) for each, and prints a Markdown table (or JSON with --json).
Exits non-zero when a step fails; a missed target is only marked as missed.
`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  let values: { sizes: string; json: boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sizes: { type: "string", default: "1000,10000" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const sizes = values.sizes.split(",").map((s) => Number(s.trim().replaceAll("_", "")));
  if (sizes.length === 0 || sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new UsageError(`--sizes: expected positive integers separated by commas, got "${values.sizes}"`);
  }
  return { sizes: [...new Set(sizes)].sort((a, b) => a - b), json: values.json, help: values.help };
}
