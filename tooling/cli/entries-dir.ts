import { stat } from "node:fs/promises";
import { CliError } from "./command.ts";

/** The --entries folder, which must exist: a typo should not read as an empty registry. */
export async function requireEntriesDir(dir: string): Promise<string> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`entries folder "${dir}" does not exist (pass --entries DIR)`);
  return dir;
}
