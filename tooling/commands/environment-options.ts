// Options shared by the commands that run a checkpoint in a fresh environment (verify-unpickling, log-run):
// their declaration (for parsing and --help) and their reading, in one place.
import { existsSync } from "node:fs";
import { checkpointIdPattern, parseEntry } from "../../src/contract/index.ts";
import { entryFile, maxEntryBytes } from "../../src/registry/entries.ts";
import { readJsonFile } from "../../src/files/json-file.ts";
import { isUrl } from "../checkpoint/open.ts";
import { CliError, entriesOption, type CommandContext, type OptionSpec } from "../cli/command.ts";
import { cachedCheckpoint, defaultCacheDir } from "../checkpoint/cache.ts";
import type { CheckpointFile, EnvironmentSettings } from "../environment/prepare.ts";

export const environmentOptions: Record<string, OptionSpec> = {
  python: { type: "string", valueName: "PATH", description: "Python interpreter for the environment", default: "python3" },
  "index-url": { type: "string", valueName: "URL", description: "package index (pip --index-url)" },
  "extra-index-url": { type: "string", valueName: "URL", multiple: true, description: "additional package index, e.g. https://download.pytorch.org/whl/cpu (repeatable)" },
  "find-links": { type: "string", valueName: "DIR", multiple: true, description: "folder of wheels (repeatable)" },
  offline: { type: "boolean", description: "use no package index, only --find-links and --system-site-packages" },
  "system-site-packages": { type: "boolean", description: "let the environment see the interpreter's packages (e.g. a system torch)" },
  "keep-local-labels": { type: "boolean", description: "keep local version labels such as +cu126 in pins" },
  "keep-env": { type: "boolean", description: "keep the environment for inspection" },
  "allow-unsafe": { type: "boolean", description: "run even a checkpoint the scan flags dangerous" },
  "cache-dir": { type: "string", valueName: "DIR", description: "download cache", default: defaultCacheDir() },
  entries: entriesOption,
};

export function positiveNumber(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new CliError(`--${name} must be a positive number, got "${String(value)}"`, 2);
  return n;
}

export function environmentSettings(options: CommandContext["options"], log: (m: string) => void): EnvironmentSettings {
  return {
    python: options.python as string,
    source: {
      ...(options["index-url"] ? { indexUrl: options["index-url"] as string } : {}),
      extraIndexUrls: (options["extra-index-url"] as string[] | undefined) ?? [],
      findLinks: (options["find-links"] as string[] | undefined) ?? [],
      offline: Boolean(options.offline),
    },
    systemSitePackages: Boolean(options["system-site-packages"]),
    keepEnv: Boolean(options["keep-env"]),
    allowUnsafe: Boolean(options["allow-unsafe"]),
    keepLocalLabels: Boolean(options["keep-local-labels"]),
    log,
  };
}

/** An entry id (its URL downloaded to the cache and checked), a local file, or a URL (downloaded). */
export async function resolveCheckpoint(target: string, options: CommandContext["options"]): Promise<CheckpointFile> {
  const cacheDir = options["cache-dir"] as string;
  const entriesDir = options.entries as string;
  if (isUrl(target)) return { path: await cachedCheckpoint(target, {}, { cacheDir, timeoutMs: 60_000 }) };
  if (existsSync(target)) return { path: target };
  if (!checkpointIdPattern.test(target) || !existsSync(entryFile(entriesDir, target))) {
    throw new CliError(`"${target}" is neither a file, an http(s) URL, nor an entry in ${entriesDir}`, 2);
  }
  const parsed = parseEntry(await readJsonFile(entryFile(entriesDir, target), maxEntryBytes));
  if (!parsed.ok) throw new CliError(`${entryFile(entriesDir, target)} does not validate; run validate first`);
  const { url, sizeBytes, sha256 } = parsed.entry.source;
  return { path: await cachedCheckpoint(url, { sizeBytes, sha256 }, { cacheDir, timeoutMs: 60_000 }), checkpointId: target, sha256 };
}
