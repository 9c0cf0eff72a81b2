// What verify-unpickling and log-run share before any checkpoint code runs: the static scan (a dangerous
// pickle is refused here, before Python starts), the requirement set, and a fresh environment with it.
import type { Extraction } from "../anemoi/extract.ts";
import { extractCheckpoint } from "../anemoi/extract.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { FileSource } from "../source/file-source.ts";
import { sha256OfFile } from "../source/sha256.ts";
import { createEnvironment, installRequirements, pythonVersion, type PackageSource, type PythonEnvironment } from "./python-env.ts";
import { requirementSet } from "./requirements.ts";

export interface EnvironmentSettings {
  python: string;
  source: PackageSource;
  systemSitePackages: boolean;
  keepEnv: boolean;
  allowUnsafe: boolean;
  keepLocalLabels: boolean;
  log: (message: string) => void;
}

export interface Prepared {
  extraction: Extraction;
  sha256: string;
  sizeBytes: number;
  requirements: string[];
  notes: string[];
  durations: Record<string, number>;
  /** Why nothing may run (a dangerous pickle), if so. */
  refused?: { summary: string; flagged: string[] };
  /** pip's failure, if the requirements did not install. */
  installFailure?: { reason: string | undefined; log: string };
  env?: PythonEnvironment;
}

const installTimeoutMs = 30 * 60 * 1000;

export async function prepare(file: CheckpointFile, settings: EnvironmentSettings): Promise<Prepared> {
  const durations: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      durations[step] = (durations[step] ?? 0) + (performance.now() - started) / 1000;
    }
  };
  const source = await FileSource.open(file.path);
  const extraction = await timed("scan", async () => {
    try {
      return await extractCheckpoint(source);
    } finally {
      await source.close();
    }
  });
  const sha256 = file.sha256 ?? (await timed("hash", () => sha256OfFile(file.path)));
  const pickle = extraction.pickle;
  const { requirements, notes } = requirementSet({
    modules: extraction.mapped.moduleVersions,
    distributionNames: extraction.mapped.distributionNames,
    pickleGlobals: pickle?.globals ?? [],
    pickleModules: pickle?.modules ?? [],
    keepLocalLabels: settings.keepLocalLabels,
  });
  const prepared: Prepared = { extraction, sha256, sizeBytes: source.size, requirements, notes, durations };
  if (!pickle || (pickle.verdict === "dangerous" && !settings.allowUnsafe)) {
    const why = pickle ? `the pickle imports dangerous globals: ${pickle.flagged.join(", ")}` : "the checkpoint has no data.pkl to scan";
    return { ...prepared, refused: { summary: `refused before running any Python: ${why} (--allow-unsafe overrides)`, flagged: pickle?.flagged ?? [] } };
  }
  const trainedWith = extraction.mapped.provenance.python;
  const interpreter = await pythonVersion(settings.python);
  if (trainedWith && trainedWith.split(".").slice(0, 2).join(".") !== interpreter.split(".").slice(0, 2).join(".")) {
    settings.log(`warning: the checkpoint was trained with Python ${trainedWith}; ${settings.python} is ${interpreter}`);
  }
  const env = await timed("environment", () => createEnvironment({ python: settings.python, systemSitePackages: settings.systemSitePackages, keep: settings.keepEnv }));
  const install = await timed("install", () => installRequirements(env, requirements, settings.source, installTimeoutMs));
  if (!install.ok) return { ...prepared, env, installFailure: { reason: install.reason, log: install.log } };
  return { ...prepared, env };
}
