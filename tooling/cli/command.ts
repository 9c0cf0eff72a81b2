// Commands are data: a declaration of options and positionals from which both parsing and --help are made.
// Commands never print results themselves except through `out`, and never exit: they return an exit code
// or throw a CliError, and only cli.ts turns that into output and an exit status.
import { parseArgs } from "node:util";

export interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown in help as --name VALUE. */
  valueName?: string;
  default?: string;
  multiple?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
}

export interface CommandContext {
  options: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Results: stdout. */
  out: (text: string) => void;
  /** Progress, warnings, logs: stderr. */
  log: (text: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  description?: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  examples?: string[];
  run: (ctx: CommandContext) => Promise<number | void>;
}

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

export function defineCommand(command: Command): Command {
  return command;
}

export const entriesOption: OptionSpec = {
  type: "string",
  valueName: "DIR",
  default: "entries",
  description: "folder of entry files",
};

export const jsonOption: OptionSpec = { type: "boolean", description: "print the result as JSON" };

export function helpText(command: Command): string {
  const positionals = (command.positionals ?? []).map((p) => {
    const name = `<${p.name}>${p.variadic ? "..." : ""}`;
    return p.required === false ? `[${name}]` : name;
  });
  const options = Object.entries(command.options ?? {});
  const lines = [
    `Usage: npm run -s registry -- ${command.name}${positionals.length ? ` ${positionals.join(" ")}` : ""}${options.length ? " [options]" : ""}`,
    "",
    command.summary,
  ];
  if (command.description) lines.push("", command.description);
  if (command.positionals?.length) {
    lines.push("", "Arguments:");
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
  }
  lines.push("", "Options:");
  for (const [name, spec] of [...options, ["help", { type: "boolean", description: "show this help" } as OptionSpec] as const]) {
    const flag = `--${name}${spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : ""}`;
    const suffix = spec.default !== undefined ? ` (default: ${spec.default})` : "";
    lines.push(`  ${flag.padEnd(24)} ${spec.description}${suffix}`);
  }
  if (command.examples?.length) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return `${lines.join("\n")}\n`;
}

export function parseCommandArgs(command: Command, args: string[]): { help: boolean; options: CommandContext["options"]; positionals: string[] } {
  const declared = command.options ?? {};
  const config = Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.default !== undefined ? { default: spec.default } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...config, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify .*$/s, "")} (see --help)`);
  }
  const { help, ...options } = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (help) return { help: true, options, positionals: parsed.positionals };
  const specs = command.positionals ?? [];
  const required = specs.filter((p) => p.required !== false);
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`missing argument <${required[parsed.positionals.length]!.name}> (see --help)`);
  }
  if (!specs.some((p) => p.variadic) && parsed.positionals.length > specs.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[specs.length]}" (see --help)`);
  }
  return { help: false, options, positionals: parsed.positionals };
}
