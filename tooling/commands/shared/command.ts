// Commands are data: a declaration of options and positionals from which parsing, the types of the parsed
// values and --help are all made. Commands never print results themselves except through `out`, and never
// exit: they return an exit code or throw a RegistryError, and only tooling/cli.ts turns that into output.
import { parseArgs } from "node:util";
import { RegistryError, errorMessage } from "../../../src/errors.ts";

interface Described {
  description: string;
  /** Shown in help as --name VALUE. */
  valueName?: string;
}
export interface StringOption extends Described {
  type: "string";
  default?: string;
  /** The only values accepted; the parsed value's type is their union. */
  choices?: readonly string[];
  multiple?: false;
}
export interface ListOption extends Described {
  type: "string";
  multiple: true;
}
export interface NumberOption extends Described {
  type: "number";
  default?: number;
  /** What values are accepted: > 0, >= 0, or whole numbers of either. */
  accept: "positive" | "non-negative" | "positive integer" | "non-negative integer";
}
export interface FlagOption {
  type: "boolean";
  description: string;
}
export type OptionSpec = StringOption | ListOption | NumberOption | FlagOption;

export interface PositionalSpec {
  /** The key in `args`. */
  name: string;
  /** What help shows, when it differs from the name ("path | URL"). */
  label?: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
}

type ValueOf<S extends OptionSpec> = S extends FlagOption
  ? boolean
  : S extends ListOption
    ? string[]
    : S extends NumberOption
      ? S extends { default: number }
        ? number
        : number | undefined
      : S extends { choices: readonly (infer C)[] }
        ? S extends { default: string }
          ? C
          : C | undefined
        : S extends { default: string }
          ? string
          : string | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export type ArgValues<P extends readonly PositionalSpec[]> = {
  [K in P[number] as K["name"]]: K extends { variadic: true } ? string[] : K extends { required: false } ? string | undefined : string;
};

export interface CommandContext<O extends Record<string, OptionSpec>, P extends readonly PositionalSpec[]> {
  options: OptionValues<O>;
  args: ArgValues<P>;
  /** Results: stdout. */
  out: (text: string) => void;
  /** Progress, warnings, logs: stderr. */
  log: (text: string) => void;
}

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>, P extends readonly PositionalSpec[] = readonly PositionalSpec[]> {
  description?: string;
  positionals?: P;
  options?: O;
  examples?: string[];
  run: (ctx: CommandContext<O, P>) => Promise<number | void>;
}

export function defineCommand<const O extends Record<string, OptionSpec> = {}, const P extends readonly PositionalSpec[] = []>(
  command: Command<O, P>,
): Command<O, P> {
  return command;
}

/** A failure the command explains; exit status 1 unless given. */
export class CliError extends RegistryError {
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, { exitCode, cause: options?.cause });
  }
}

/** A wrong command line: exit status 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

const helpOption: FlagOption = { type: "boolean", description: "show this help" };

function flagText(name: string, spec: OptionSpec): string {
  if (spec.type === "boolean") return `--${name}`;
  const value = spec.valueName ?? ("choices" in spec && spec.choices ? spec.choices.join("|") : "VALUE");
  return `--${name} ${value}`;
}

/** Two columns, the second starting where the longest first column ends, two spaces on. */
export function columns(rows: ReadonlyArray<readonly [string, string]>, indent = "  "): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd());
}

export function helpText(name: string, summary: string, command: Command): string {
  const positionals = (command.positionals ?? []).map((p) => {
    const shown = `<${p.label ?? p.name}>${p.variadic ? "..." : ""}`;
    return p.required === false ? `[${shown}]` : shown;
  });
  const options = Object.entries(command.options ?? {});
  const lines = [
    `Usage: npm run -s registry -- ${name}${positionals.length ? ` ${positionals.join(" ")}` : ""}${options.length ? " [options]" : ""}`,
    "",
    summary,
  ];
  if (command.description) lines.push("", command.description);
  if (command.positionals?.length) {
    lines.push("", "Arguments:", ...columns(command.positionals.map((p) => [p.label ?? p.name, p.description])));
  }
  const rows = [...options, ["help", helpOption] as const].map(([flag, spec]): [string, string] => {
    const fallback = "default" in spec && spec.default !== undefined ? ` (default: ${spec.default})` : "";
    return [flagText(flag, spec), `${spec.description}${fallback}`];
  });
  lines.push("", "Options:", ...columns(rows));
  if (command.examples?.length) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return `${lines.join("\n")}\n`;
}

function readNumber(name: string, spec: NumberOption, raw: string): number {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  const ok = {
    positive: value > 0,
    "non-negative": value >= 0,
    "positive integer": Number.isSafeInteger(value) && value > 0,
    "non-negative integer": Number.isSafeInteger(value) && value >= 0,
  }[spec.accept];
  const what = spec.accept.endsWith("integer") ? `a ${spec.accept}` : `a ${spec.accept} number`;
  if (!Number.isFinite(value) || !ok) throw new UsageError(`--${name} must be ${what}, got "${raw}"`);
  return value;
}

export interface ParsedArgs {
  help: boolean;
  options: Record<string, unknown>;
  args: Record<string, string | string[] | undefined>;
}

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const declared = command.options ?? {};
  const config = Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => [
      name,
      { type: spec.type === "boolean" ? ("boolean" as const) : ("string" as const), ...(spec.type === "string" && spec.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...config, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${errorMessage(error).replace(/\. To specify .*$/s, "")} (see --help)`);
  }
  const { help, ...raw } = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = raw[name];
    if (spec.type === "boolean") options[name] = value === true;
    else if (spec.type === "number") options[name] = typeof value === "string" ? readNumber(name, spec, value) : spec.default;
    else if (spec.multiple) options[name] = (value as string[] | undefined) ?? [];
    else {
      const text = (value as string | undefined) ?? spec.default;
      if (text !== undefined && spec.choices && !spec.choices.includes(text)) {
        throw new UsageError(`--${name} must be one of ${spec.choices.join(", ")}, got "${text}"`);
      }
      options[name] = text;
    }
  }
  const specs = command.positionals ?? [];
  const args: ParsedArgs["args"] = {};
  if (help) return { help: true, options, args };
  const given = parsed.positionals;
  const required = specs.filter((p) => p.required !== false && !p.variadic);
  if (given.length < required.length) throw new UsageError(`missing argument <${required[given.length]!.label ?? required[given.length]!.name}> (see --help)`);
  if (!specs.some((p) => p.variadic) && given.length > specs.length) throw new UsageError(`unexpected argument "${given[specs.length]}" (see --help)`);
  specs.forEach((p, i) => {
    args[p.name] = p.variadic ? given.slice(i) : given[i];
  });
  return { help: false, options, args };
}
