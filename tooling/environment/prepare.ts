// What verify-unpickling and log-run share before any checkpoint code runs: the static scan (a pickle that is
// not safe by the reviewed list, or that cannot be read exactly, is refused here, before Python starts), the
// requirement set (one that redirects a known import package to another distribution is refused; one naming
// code outside any package index too, unless allowed), a fresh environment with it, installed inside the
// sandbox, and what the host then reads of that environment itself (installedFacts), before loading anything.
// Without bubblewrap nothing runs, unless the user said --no-sandbox. The loader then enforces the same
// reviewed list (allowlistFor) while unpickling, whatever was allowed here.
import type { Extraction } from "../anemoi/extract.ts";
import { extractCheckpoint } from "../anemoi/extract.ts";
import type { CheckpointFile } from "../checkpoint/resolve.ts";
import { FileSource } from "../source/file-source.ts";
import { sha256OfFile } from "../source/sha256.ts";
import { RegistryError } from "../../src/errors.ts";
import {
  createEnvironment,
  installedFacts,
  installRequirements,
  pythonVersion,
  type InstalledFacts,
  type InstallFailureKind,
  type PackageSource,
  type PythonEnvironment,
} from "./python-env.ts";
import { EnvironmentCache, environmentKey, type CacheLookup } from "./environment-cache.ts";
import { redirectedDistributions, refusedRequirement, requirementSet } from "./requirements.ts";
import { allowlistWith } from "../pickle/allowlist.ts";
import { requireBubblewrap } from "./sandbox.ts";

export interface EnvironmentSettings {
  python: string;
  source: PackageSource;
  systemSitePackages: boolean;
  keepEnv: boolean;
  /** --allow-unsafe: run even a pickle the static scan does not call safe (the loader still enforces the list). */
  allowUnsafe: boolean;
  /** --allow-package: packages whose public classes may be unpickled, besides the reviewed list's. */
  allowPackages: readonly string[];
  keepLocalLabels: boolean;
  /** --no-sandbox: run without bubblewrap (a process group and the limits only). */
  noSandbox: boolean;
  /** --allow-source-requirements: install VCS, URL and path requirements (building them), in the sandbox. */
  allowSourceRequirements: boolean;
  /** The memory limit of the install too, when the command has one. */
  memoryLimitMiB?: number | undefined;
  /** --environment-cache: a folder where finished environments are kept and reused (environment-cache.ts). */
  environmentCache?: string | undefined;
  log: (message: string) => void;
}

interface PreparedFacts {
  /** Absent only when the checkpoint could not be scanned (then `refused` says why). */
  extraction?: Extraction;
  sha256: string;
  sizeBytes: number;
  requirements: string[];
  notes: string[];
  durations: Record<string, number>;
}

/** What prepare() established, and one of: why nothing may run, why the install failed, or the ready environment. */
export type Prepared = PreparedFacts &
  (
    | {
        /**
         * Why nothing may run: a pickle not safe by the reviewed list or not readable exactly (refused-unsafe), or
         * metadata that redirects a known import package to another distribution (refused-dependency).
         */
        refused: { status: "refused-unsafe" | "refused-dependency"; summary: string; flagged: string[] };
        installFailure?: undefined;
        env?: undefined;
        installed?: undefined;
      }
    | {
        refused?: undefined;
        /** Why the requirements are not installed: refused before pip runs (`refusedRequirement`), or pip's failure, classified. */
        installFailure: { summary: string; reason: string | undefined; log: string; kind: InstallFailureKind };
        env?: undefined;
        installed?: undefined;
      }
    | {
        refused?: undefined;
        installFailure?: undefined;
        /** Scanned: the environment is made from its extraction. */
        extraction: Extraction;
        /** The environment, with the requirements installed in it. */
        env: PythonEnvironment;
        /** What the host read of the environment after installing, before loading anything. */
        installed: InstalledFacts;
      }
  );

/** The reviewed list the loader enforces, with the packages this run allows (for the script's spec). */
export function allowlistFor(settings: Pick<EnvironmentSettings, "allowPackages">): ReturnType<typeof allowlistWith> {
  return allowlistWith(settings.allowPackages);
}

/** The time limit of pip (or uv) installing the requirements; the commands' --help says it. */
export const installTimeoutMs = 30 * 60 * 1000;

/** The cache's answer for this install; "private" when it cannot be keyed exactly. */
async function lookUpEnvironment(settings: EnvironmentSettings, install: { pythonVersion: string; requirements: string[] }): Promise<CacheLookup> {
  const key = environmentKey({
    python: settings.python,
    pythonVersion: install.pythonVersion,
    systemSitePackages: settings.systemSitePackages,
    requirements: install.requirements,
    source: settings.source,
    allowBuilds: settings.allowSourceRequirements,
    sandbox: !settings.noSandbox,
  });
  if (!key) return { kind: "private", why: "this install cannot be keyed exactly (the interpreter or a wheel folder cannot be read)" };
  return new EnvironmentCache(settings.environmentCache!).lookup(key);
}

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
  let extraction: Extraction;
  try {
    extraction = await timed("scan", () => extractCheckpoint(source, undefined, settings.allowPackages));
  } catch (error) {
    // An archive or pickle the scan cannot read exactly (the byte offset and rule say why) is refused like an
    // unsafe one: nothing of it runs. Anything else (a read error of this machine) is not the checkpoint's.
    if (!(error instanceof RegistryError)) throw error;
    const sha256 = file.sha256 ?? (await timed("hash", () => sha256OfFile(file.path)));
    return {
      sha256,
      sizeBytes: source.size,
      requirements: [],
      notes: [],
      durations,
      refused: { status: "refused-unsafe", summary: `refused before running any Python: ${error.message}`, flagged: [] },
    };
  } finally {
    await source.close();
  }
  const sha256 = file.sha256 ?? (await timed("hash", () => sha256OfFile(file.path)));
  const pickle = extraction.pickle;
  const { requirements, notes } = requirementSet({
    modules: extraction.mapped.moduleVersions,
    distributionNames: extraction.mapped.distributionNames,
    pickleGlobals: pickle?.globals ?? [],
    pickleModules: pickle?.modules ?? [],
    keepLocalLabels: settings.keepLocalLabels,
  });
  const prepared = { extraction, sha256, sizeBytes: source.size, requirements, notes, durations } satisfies PreparedFacts;
  if (!pickle || (pickle.verdict !== "safe" && !settings.allowUnsafe)) {
    const why = pickle ? `the pickle is ${pickle.verdict} (${pickle.reasons.slice(0, 5).join("; ")})` : "the checkpoint has no data.pkl to scan";
    return {
      ...prepared,
      refused: {
        status: "refused-unsafe",
        summary: `refused before running any Python: ${why}; see tooling/pickle/allowlist.json, --allow-package for a package you reviewed`,
        flagged: pickle?.flagged ?? [],
      },
    };
  }
  const redirects = redirectedDistributions({
    modules: extraction.mapped.moduleVersions,
    distributionNames: extraction.mapped.distributionNames,
    pickleGlobals: pickle.globals,
  });
  if (redirects.length > 0) {
    const said = redirects.map((r) => `${r.importName} -> "${r.distribution}" (${r.known} is ${r.expected})`).join("; ");
    return {
      ...prepared,
      refused: {
        status: "refused-dependency",
        summary: `refused before installing anything: the checkpoint's metadata would install a known import package from another distribution: ${said}; see tooling/environment/distributions.json`,
        flagged: redirects.map((r) => r.importName),
      },
    };
  }
  const refusal = refusedRequirement(requirements, settings.allowSourceRequirements);
  if (refusal)
    return {
      ...prepared,
      installFailure: {
        summary: refusal.split("\n")[0]!,
        reason: refusal,
        log: "",
        kind: { status: "install-failed", fault: "checkpoint", deterministic: true, cause: "a requirement names code outside any package index" },
      },
    };
  if (settings.noSandbox)
    settings.log(
      "warning: --no-sandbox: the checkpoint's code and its package installation run without bubblewrap, with the network and the whole file system; only a process group and the limits hold",
    );
  else await requireBubblewrap();
  const trainedWith = extraction.mapped.provenance.python;
  const interpreter = await pythonVersion(settings.python);
  if (trainedWith && trainedWith.split(".").slice(0, 2).join(".") !== interpreter.split(".").slice(0, 2).join(".")) {
    settings.log(`warning: the checkpoint was trained with Python ${trainedWith}; ${settings.python} is ${interpreter}`);
  }
  const cache = settings.environmentCache
    ? await timed("environment", () => lookUpEnvironment(settings, { pythonVersion: interpreter, requirements }))
    : undefined;
  if (cache?.kind === "private") settings.log(`note: ${cache.why}; making a private environment`);
  let env: PythonEnvironment;
  if (cache?.kind === "hit") {
    env = cache.env;
    settings.log(`reusing the environment ${env.dir}`);
  } else {
    const at = cache?.kind === "build" ? cache.dir : undefined;
    const abandon = async () => (cache?.kind === "build" ? cache.abandon() : env.dispose());
    env = await timed("environment", () =>
      createEnvironment({ python: settings.python, systemSitePackages: settings.systemSitePackages, keep: settings.keepEnv, at }),
    ).catch(async (error: unknown) => {
      if (cache?.kind === "build") await cache.abandon();
      throw error;
    });
    const install = await timed("install", () =>
      installRequirements(env, requirements, settings.source, {
        timeoutMs: installTimeoutMs,
        sandbox: !settings.noSandbox,
        memoryLimitMiB: settings.memoryLimitMiB,
        allowBuilds: settings.allowSourceRequirements,
      }),
    ).catch(async (error: unknown) => {
      await abandon();
      throw error;
    });
    if (!install.ok) {
      await abandon();
      const kind = install.failure;
      return {
        ...prepared,
        installFailure: {
          summary: `pip could not install the requirements (${kind.cause}): ${install.reason.split("\n")[0] ?? ""}`,
          reason: install.reason,
          log: install.log,
          kind,
        },
      };
    }
    if (cache?.kind === "build") {
      // Only a finished install is kept, and from here on only ever read.
      await cache.commit(env);
      env = { ...env, cached: true, dispose: async () => {} };
    }
  }
  try {
    const installed = await timed("inspect", () => installedFacts(env, { sandbox: !settings.noSandbox, systemSitePackages: settings.systemSitePackages }));
    return { ...prepared, env, installed };
  } catch (error) {
    await env.dispose();
    throw error;
  }
}
