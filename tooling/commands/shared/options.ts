// Options several commands share, declared once so that their spelling, defaults and help agree.
import { stat } from "node:fs/promises";
import { CliError, type FlagOption, type StringOption } from "./command.ts";

export const entriesOption = {
  type: "string",
  valueName: "DIR",
  default: "entries",
  description: "folder of entry files",
} as const satisfies StringOption;

export const jsonOption = { type: "boolean", description: "print the result, or the error, as JSON" } as const satisfies FlagOption;

/** The --entries folder, which must exist: a typo should not read as an empty registry. */
export async function requireEntriesDir(dir: string): Promise<string> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`entries folder "${dir}" does not exist (pass --entries DIR)`);
  return dir;
}
