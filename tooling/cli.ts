// The registry's one command-line entry: `npm run -s registry -- <command> [options]`.
// The only place that prints and sets the exit status.
import { CliError, helpText, parseCommandArgs, type Command } from "./cli/command.ts";
import { formatRegistryProblem } from "../src/registry/problem.ts";
import { RegistryInvalidError } from "../src/registry/validate.ts";

const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import("./commands/validate.ts")).default,
  "import-fiab-store": async () => (await import("./commands/import-fiab-store.ts")).default,
  "export-fiab-store": async () => (await import("./commands/export-fiab-store.ts")).default,
  "extract-basic-metadata": async () => (await import("./commands/extract-basic-metadata.ts")).default,
  "verify-unpickling": async () => (await import("./commands/verify-unpickling.ts")).default,
  "log-run": async () => (await import("./commands/log-run.ts")).default,
  "compare-runs": async () => (await import("./commands/compare-runs.ts")).default,
  "update-metadata": async () => (await import("./commands/update-metadata.ts")).default,
  schema: async () => (await import("./commands/schema.ts")).default,
};

async function rootHelp(): Promise<string> {
  const lines = ["Usage: npm run -s registry -- <command> [options]", "", "The FIAB model registry's tooling.", "", "Commands:"];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(20)} ${(await load()).summary}`);
  lines.push("", "Run a command with --help for its options.");
  return `${lines.join("\n")}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  const log = (text: string) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(await rootHelp());
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    log(`registry: unknown command "${name}". Commands: ${Object.keys(commands).join(", ")}.`);
    return 2;
  }
  const command = await load();
  try {
    const parsed = parseCommandArgs(command, args);
    if (parsed.help) {
      out(helpText(command));
      return 0;
    }
    return (await command.run({ options: parsed.options, positionals: parsed.positionals, out, log })) ?? 0;
  } catch (error) {
    if (error instanceof RegistryInvalidError) {
      for (const p of error.problems) log(formatRegistryProblem(p));
      log(`registry ${name}: ${error.message}`);
      return 1;
    }
    if (error instanceof CliError) {
      log(`registry ${name}: ${error.message}`);
      return error.exitCode;
    }
    // Anything else is a bug or an environment failure (a full disk, a permission): say what happened;
    // the stack is for developers.
    const err = error as NodeJS.ErrnoException;
    log(`registry ${name}: ${err.message ?? String(error)}`);
    if (process.env.REGISTRY_DEBUG) log(String(err.stack ?? ""));
    else log("(set REGISTRY_DEBUG=1 to see where it happened)");
    return 70;
  }
}

if (import.meta.main) {
  // A closed pipe (`... | head`) ends the output, not the program with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
