// The registry's one command-line entry: `npm run -s registry -- <command> [options]`.
// The only place that prints and sets the exit status. `tooling/registry.mjs` runs it (bundled, see
// tooling/bundle.mjs); `node tooling/cli.ts` runs the source directly. What it prints may quote strangers (a
// checkpoint's exception, pip's log, a server's reason, a URL): no control character reaches the terminal raw.
import { RegistryError, errorMessage } from "../src/errors.ts";
import { escapeControl } from "../src/text/control.ts";
import { formatRegistryProblem, RegistryInvalidError } from "../src/registry/problem.ts";
import { columns, helpText, parseCommandArgs } from "./commands/shared/command.ts";
import { commands } from "./commands/index.ts";
import { tool } from "./repo.ts";

function rootHelp(): string {
  const lines = [
    "Usage: npm run -s registry -- <command> [options]",
    "",
    "The FIAB model registry's tooling.",
    "",
    "Commands:",
    ...columns(commands.map((c) => [c.name, c.summary])),
    "",
    "Run a command with --help for its options; --version prints the version.",
  ];
  return `${lines.join("\n")}\n`;
}

/** Whether the user asked for JSON: then errors are JSON documents on stdout too. */
function wantsJson(argv: readonly string[], declaresJson: boolean): boolean {
  return declaresJson && argv.includes("--json");
}

/**
 * Results on stdout: control characters as JSON writes them (\u001b), so that a JSON document stays valid
 * (JSON.stringify already escapes C0 controls in strings; C1 controls and DEL it leaves raw) and plain text
 * prints no escape sequence.
 */
export function safeResult(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export async function main(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(safeResult(text.endsWith("\n") ? text : `${text}\n`));
  const log = (text: string) => process.stderr.write(escapeControl(text.endsWith("\n") ? text : `${text}\n`));
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    out(rootHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    out(`${tool.name} ${tool.version}`);
    return 0;
  }
  const found = commands.find((c) => c.name === name);
  if (!found) {
    log(`registry: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(", ")}.`);
    return 2;
  }
  const command = await found.load();
  const json = wantsJson(args, command.options?.json?.type === "boolean");
  try {
    const parsed = parseCommandArgs(command, args);
    if (parsed.help) {
      out(helpText(found.name, found.summary, command));
      return 0;
    }
    return (await command.run({ options: parsed.options, args: parsed.args, out, log } as never)) ?? 0;
  } catch (error) {
    return report(error, name, { out, log, json });
  }
}

function report(error: unknown, name: string, io: { out: (t: string) => void; log: (t: string) => void; json: boolean }): number {
  const problems = error instanceof RegistryInvalidError ? error.problems : undefined;
  if (error instanceof RegistryError) {
    for (const p of problems ?? []) io.log(formatRegistryProblem(p));
    io.log(`registry ${name}: ${error.message}`);
    if (io.json)
      io.out(
        JSON.stringify({ ok: false, error: { command: name, message: error.message, exitCode: error.exitCode, ...(problems ? { problems } : {}) } }, null, 2),
      );
    return error.exitCode;
  }
  // Anything else is a bug or an environment failure (a full disk, a permission): say what happened;
  // the stack is for developers.
  const message = errorMessage(error);
  io.log(`registry ${name}: ${message}`);
  if (process.env.REGISTRY_DEBUG) io.log(error instanceof Error ? (error.stack ?? "") : "");
  else io.log("(set REGISTRY_DEBUG=1 to see where it happened)");
  if (io.json) io.out(JSON.stringify({ ok: false, error: { command: name, message, exitCode: 70, unexpected: true } }, null, 2));
  return 70;
}

/** Runs the command line of this process: what `tooling/registry.mjs` and `node tooling/cli.ts` do. */
export async function runProcess(): Promise<void> {
  // A closed pipe (`... | head`) ends the output, not the program with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  exitWithParent(process.env.REGISTRY_PARENT_PID);
  process.exitCode = await main(process.argv.slice(2));
}

/**
 * A worker runs each job as a child command; when the worker is killed outright (SIGKILL, an OOM kill) the
 * child must not run on unsupervised, with a lease nobody renews. What it started in the sandbox dies with it
 * (bubblewrap's --die-with-parent).
 */
function exitWithParent(pid: string | undefined): void {
  if (!pid || !/^\d+$/.test(pid)) return;
  const parent = Number(pid);
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
  }, 500).unref();
}

if (import.meta.main) await runProcess();
