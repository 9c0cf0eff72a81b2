import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  FileSource,
  cachedCheckpoint,
  createEnvironment,
  defaultCacheDir,
  execa,
  extractCheckpoint,
  installRequirements,
  isUrl,
  pythonVersion,
  sha256OfPath
} from "./chunk-GDFSYFP5.js";
import {
  entryFile,
  maxEntryBytes
} from "./chunk-PIT64DJA.js";
import {
  readJsonFile
} from "./chunk-Y6XR3PQD.js";
import {
  parseEntry
} from "./chunk-32NUYPAV.js";
import {
  CliError,
  checkpointIdPattern,
  entriesOption
} from "./chunk-STXQ2W3N.js";

// tooling/verify/cli-options.ts
import { existsSync } from "node:fs";
var environmentOptions = {
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
  entries: entriesOption
};
function positiveNumber(name, value) {
  if (value === void 0) return void 0;
  const n = Number(value);
  if (!(n > 0)) throw new CliError(`--${name} must be a positive number, got "${String(value)}"`, 2);
  return n;
}
function environmentSettings(options, log) {
  return {
    python: options.python,
    source: {
      ...options["index-url"] ? { indexUrl: options["index-url"] } : {},
      extraIndexUrls: options["extra-index-url"] ?? [],
      findLinks: options["find-links"] ?? [],
      offline: Boolean(options.offline)
    },
    systemSitePackages: Boolean(options["system-site-packages"]),
    keepEnv: Boolean(options["keep-env"]),
    allowUnsafe: Boolean(options["allow-unsafe"]),
    keepLocalLabels: Boolean(options["keep-local-labels"]),
    log
  };
}
async function resolveCheckpoint(target, options) {
  const cacheDir = options["cache-dir"];
  const entriesDir = options.entries;
  if (isUrl(target)) return { path: await cachedCheckpoint(target, {}, { cacheDir, timeoutMs: 6e4 }) };
  if (existsSync(target)) return { path: target };
  if (!checkpointIdPattern.test(target) || !existsSync(entryFile(entriesDir, target))) {
    throw new CliError(`"${target}" is neither a file, an http(s) URL, nor an entry in ${entriesDir}`, 2);
  }
  const parsed = parseEntry(await readJsonFile(entryFile(entriesDir, target), maxEntryBytes));
  if (!parsed.ok) throw new CliError(`${entryFile(entriesDir, target)} does not validate; run validate first`);
  const { url, sizeBytes, sha256 } = parsed.entry.source;
  return { path: await cachedCheckpoint(url, { sizeBytes, sha256 }, { cacheDir, timeoutMs: 6e4 }), checkpointId: target, sha256 };
}

// tooling/verify/requirements.ts
var knownDistributions = {
  "anemoi.models": "anemoi-models",
  "anemoi.graphs": "anemoi-graphs",
  "anemoi.training": "anemoi-training",
  "anemoi.utils": "anemoi-utils",
  "anemoi.datasets": "anemoi-datasets",
  "anemoi.transform": "anemoi-transform",
  flash_attn: "flash-attn",
  torch_geometric: "torch-geometric",
  PIL: "pillow",
  yaml: "pyyaml"
};
function providerOf(global, modules) {
  const parts = global.split(".");
  for (let n = parts.length - 1; n >= 1; n--) {
    const candidate = parts.slice(0, n).join(".");
    if (modules.has(candidate)) return candidate;
  }
  return void 0;
}
function requirementFor(distribution, v, keepLocalLabels, notes) {
  if (v.source?.startsWith("git+")) {
    notes.push(`${distribution}: installed from git at training time; pinned to that commit`);
    return `${distribution} @ ${v.source}`;
  }
  if (v.source) notes.push(`${distribution}: installed from ${v.source} at training time; pinned to its version ${v.version}, which a package index may not have`);
  const [publicVersion, local] = v.version.split("+", 2);
  if (local && !keepLocalLabels) {
    notes.push(`${distribution}: local label +${local} dropped (${v.version} -> ${publicVersion}); pass --keep-local-labels with an index that serves it`);
    return `${distribution}==${publicVersion}`;
  }
  return `${distribution}==${v.version}`;
}
function requirementSet(input) {
  const notes = [];
  const needed = /* @__PURE__ */ new Set(["torch"]);
  const covered = /* @__PURE__ */ new Set();
  for (const global of input.pickleGlobals) {
    const provider = providerOf(global, input.modules);
    if (provider) {
      needed.add(provider);
      covered.add(provider.split(".")[0]);
    }
  }
  for (const top of input.pickleModules) {
    if (!covered.has(top) && !needed.has(top)) notes.push(`the pickle imports ${top}, which the metadata's module versions do not list: not installed`);
  }
  const requirements = [];
  for (const importName of [...needed].sort()) {
    const version = input.modules.get(importName);
    const distribution = input.distributionNames[importName] ?? knownDistributions[importName] ?? importName;
    if (!version) {
      notes.push(`${distribution}: no version recorded in the metadata; required without a version`);
      requirements.push(distribution);
    } else requirements.push(requirementFor(distribution, version, input.keepLocalLabels ?? false, notes));
  }
  return { requirements, notes };
}

// tooling/verify/prepare.ts
var installTimeoutMs = 30 * 60 * 1e3;
async function prepare(file, settings) {
  const durations = {};
  const timed = async (step, work) => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      durations[step] = (durations[step] ?? 0) + (performance.now() - started) / 1e3;
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
  const sha256 = file.sha256 ?? await timed("hash", () => sha256OfPath(file.path));
  const pickle = extraction.pickle;
  const { requirements, notes } = requirementSet({
    modules: extraction.mapped.moduleVersions,
    distributionNames: extraction.mapped.distributionNames,
    pickleGlobals: pickle?.globals ?? [],
    pickleModules: pickle?.modules ?? [],
    keepLocalLabels: settings.keepLocalLabels
  });
  const prepared = { extraction, sha256, sizeBytes: source.size, requirements, notes, durations };
  if (!pickle || pickle.verdict === "dangerous" && !settings.allowUnsafe) {
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

// tooling/verify/sandbox.ts
import { existsSync as existsSync2 } from "node:fs";
var prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].find((p) => existsSync2(p));
function limited(command, memoryLimitMiB) {
  if (!memoryLimitMiB) return { argv: command, limited: false };
  const bytes = memoryLimitMiB * 1024 * 1024;
  if (prlimit) return { argv: [prlimit, `--as=${bytes}`, "--", ...command], limited: true };
  if (process.platform !== "win32") return { argv: ["/bin/sh", "-c", `ulimit -v ${memoryLimitMiB * 1024} && exec "$@"`, "sh", ...command], limited: true };
  return { argv: command, limited: false };
}
function killGroup(pgid) {
  if (!pgid) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
  }
}
async function runSandboxed(command, options) {
  const { argv, limited: memoryLimited } = limited(command, options.memoryLimitMiB);
  const started = performance.now();
  const child = execa(argv[0], argv.slice(1), {
    ...options.cwd ? { cwd: options.cwd } : {},
    ...options.env ? { env: options.env, extendEnv: false } : {},
    detached: true,
    // a new process group, led by the child
    reject: false,
    stdin: "ignore",
    maxBuffer: 16 * 1024 * 1024
  });
  const pgid = child.pid;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(pgid);
  }, options.timeoutMs);
  const result = await child;
  clearTimeout(timer);
  killGroup(pgid);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    seconds: (performance.now() - started) / 1e3,
    processGroup: pgid,
    memoryLimited
  };
}

export {
  environmentOptions,
  positiveNumber,
  environmentSettings,
  resolveCheckpoint,
  prepare,
  runSandboxed
};
