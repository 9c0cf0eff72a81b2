import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatRegistryProblem
} from "./chunk-74MSZDUR.js";
import {
  RegistryInvalidError
} from "./chunk-23KZQN2E.js";
import "./chunk-PIT64DJA.js";
import "./chunk-32NUYPAV.js";
import {
  CliError,
  helpText,
  parseCommandArgs
} from "./chunk-STXQ2W3N.js";

// tooling/cli.ts
var commands = {
  validate: async () => (await import("./validate-I223XUTS.js")).default,
  "import-fiab-store": async () => (await import("./import-fiab-store-UDB6QF5X.js")).default,
  "export-fiab-store": async () => (await import("./export-fiab-store-UKMXKEFI.js")).default,
  "extract-basic-metadata": async () => (await import("./extract-basic-metadata-N5NWZ664.js")).default,
  "verify-unpickling": async () => (await import("./verify-unpickling-BQ2UUYVU.js")).default,
  "log-run": async () => (await import("./log-run-LVH7MNTR.js")).default,
  "compare-runs": async () => (await import("./compare-runs-E42TOBQ5.js")).default,
  "update-metadata": async () => (await import("./update-metadata-74STSMX5.js")).default,
  schema: async () => (await import("./schema-OGUDU25K.js")).default
};
async function rootHelp() {
  const lines = ["Usage: npm run -s registry -- <command> [options]", "", "The FIAB model registry's tooling.", "", "Commands:"];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(20)} ${(await load()).summary}`);
  lines.push("", "Run a command with --help for its options.");
  return `${lines.join("\n")}
`;
}
async function main(argv) {
  const out = (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}
`);
  const log = (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}
`);
  const [name, ...args] = argv;
  if (name === void 0 || name === "--help" || name === "-h" || name === "help") {
    out(await rootHelp());
    return name === void 0 ? 2 : 0;
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
    return await command.run({ options: parsed.options, positionals: parsed.positionals, out, log }) ?? 0;
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
    const err = error;
    log(`registry ${name}: ${err.message ?? String(error)}`);
    if (process.env.REGISTRY_DEBUG) log(String(err.stack ?? ""));
    else log("(set REGISTRY_DEBUG=1 to see where it happened)");
    return 70;
  }
}
if (import.meta.main) {
  process.stdout.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
export {
  main
};
