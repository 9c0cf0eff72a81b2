import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, UsageError, defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";
import { defaultCacheDir } from "../checkpoint/cache.ts";
import { environmentOptions } from "./environment-options.ts";
import { isRunnablePlatformKey } from "../../src/platform/platform-key.ts";
import { errorCode, errorMessage } from "../../src/errors.ts";

// The environment options a job's commands take as they are; --allow-unsafe is not among them: a worker runs
// strangers' checkpoints, and only what the scan calls safe.
const passed = [
  "python",
  "index-url",
  "extra-index-url",
  "find-links",
  "offline",
  "system-site-packages",
  "keep-local-labels",
  "allow-package",
  "allow-source-requirements",
  "no-sandbox",
  "environment-cache",
] as const;
const {
  python,
  "index-url": indexUrl,
  "extra-index-url": extraIndexUrl,
  "find-links": findLinks,
  offline,
  "system-site-packages": systemSitePackages,
  "keep-local-labels": keepLocalLabels,
  "allow-package": allowPackage,
  "allow-source-requirements": allowSourceRequirements,
  "no-sandbox": noSandbox,
  "environment-cache": environmentCache,
} = environmentOptions;

/** Exit status when the server cannot be reached or refuses the token (EX_TEMPFAIL: a scheduler may retry). */
const unreachableExit = 75;

export default defineCommand({
  description:
    "Runs verification jobs for a registry server (`serve --platforms`) on this host: leases a job of its platform\n(long poll), downloads the checkpoint once into the host's sha256-keyed cache, runs verify-unpickling or\nlog-run on it as they run by hand (scanned first, sandboxed, time- and memory-limited), keeps the lease with\nheartbeats and posts the result, saying whose fault a failure was (the checkpoint's: log-run exit 1, a\nverification's verdict; else the environment's); then the next. A lease is checked field by field and every\npath it names proved inside --work-dir or --cache-dir; one that fails is refused (and failed with the reason)\nand the worker goes on. --once takes one job (waiting up to --wait) and exits: for batch schedulers (Slurm,\nKubernetes Jobs, CI runners). SIGTERM hands running jobs back to the server, as does a job's command ended by\na stop signal from outside (a scheduler signals every process of a job). The token (scope worker) comes\nfrom REGISTRY_WORKER_TOKEN, --token-file or --token. Exits 0, or 75 when the server cannot be reached or\nrefuses the token.",
  options: {
    server: { type: "string", valueName: "URL", description: "the registry server, e.g. https://registry.example.org" },
    token: { type: "string", valueName: "TOKEN", description: "a token with the worker scope (visible in ps; prefer REGISTRY_WORKER_TOKEN or --token-file)" },
    "token-file": { type: "string", valueName: "FILE", description: "a file holding the token" },
    platform: {
      type: "string",
      valueName: "auto|KEY",
      default: "auto",
      description: "the platform key this host runs jobs for, e.g. linux-x86_64-cuda (auto: OS, architecture, nvidia-smi or Apple silicon)",
    },
    once: { type: "boolean", description: "take at most one job per slot, then exit" },
    wait: {
      type: "number",
      accept: "non-negative integer",
      valueName: "SECONDS",
      description: "with --once, how long to wait for a job (default 60); otherwise each long poll (default 30, at most 60)",
    },
    concurrency: {
      type: "number",
      accept: "positive integer",
      valueName: "N",
      default: 1,
      description: "jobs run at once (each verification needs the checkpoint's memory)",
    },
    "cache-dir": { type: "string", valueName: "DIR", default: defaultCacheDir(), description: "checkpoint cache of this host, shared by its workers" },
    "work-dir": { type: "string", valueName: "DIR", default: join(tmpdir(), "fiab-registry-worker"), description: "scratch folder of running jobs" },
    python,
    "index-url": indexUrl,
    "extra-index-url": extraIndexUrl,
    "find-links": findLinks,
    offline,
    "system-site-packages": systemSitePackages,
    "keep-local-labels": keepLocalLabels,
    "allow-package": allowPackage,
    "allow-source-requirements": allowSourceRequirements,
    "no-sandbox": noSandbox,
    "environment-cache": environmentCache,
    timeout: { type: "number", accept: "positive", valueName: "SECONDS", description: "time limit of each checkpoint process (default: the command's own)" },
    "memory-limit": {
      type: "number",
      accept: "positive integer",
      valueName: "MiB",
      description: "memory limit of each checkpoint process (default: the command's own)",
    },
    "allow-private-network": { type: "boolean", description: "download checkpoints from loopback and private addresses too (tests, closed networks)" },
    "dry-run": {
      type: "boolean",
      description: "detect the platform, check the options and the token's presence, print the configuration and exit without contacting the server",
    },
    json: jsonOption,
  },
  examples: [
    "REGISTRY_WORKER_TOKEN=fmr_... npm run -s registry -- worker --server https://registry.example.org",
    "npm run -s registry -- worker --server https://registry.example.org --token-file /etc/fiab-registry/token --once --platform linux-x86_64-cuda",
  ],
  async run({ options, out, log }) {
    if (!options.server) throw new UsageError("pass --server URL");
    let server: URL;
    try {
      server = new URL(options.server);
    } catch {
      throw new UsageError(`--server: ${JSON.stringify(options.server)} is not a URL`);
    }
    if (server.protocol !== "http:" && server.protocol !== "https:") throw new UsageError("--server must be an http or https URL");
    const { detectPlatform } = await import("../worker/platform.ts");
    const platform = options.platform === "auto" ? detectPlatform() : options.platform;
    if (!isRunnablePlatformKey(platform)) throw new UsageError(`--platform: "${platform}" is not a platform key such as linux-x86_64-cuda`);
    let token = process.env.REGISTRY_WORKER_TOKEN?.trim() || options.token;
    if (options["token-file"]) {
      try {
        token = readFileSync(options["token-file"], "utf8").trim();
      } catch (error) {
        throw new CliError(`--token-file ${options["token-file"]}: ${errorCode(error) === "ENOENT" ? "no such file" : errorMessage(error)}`, 2);
      }
    }
    if (!token)
      throw new UsageError(
        "no token: set REGISTRY_WORKER_TOKEN, or pass --token-file FILE (a token with the worker scope: `registry token create --scope worker`)",
      );
    const wait = options.wait ?? (options.once ? 60 : 30);
    if (!options.once && wait > 60) throw new UsageError("--wait is at most 60 seconds for a long-running worker (each long poll)");
    const commandOptions: string[] = [];
    for (const name of passed) {
      const value = options[name];
      if (value === true) commandOptions.push(`--${name}`);
      else if (typeof value === "string") commandOptions.push(`--${name}`, value);
      else if (Array.isArray(value)) for (const v of value) commandOptions.push(`--${name}`, v);
    }
    if (options.timeout !== undefined) commandOptions.push("--timeout", String(options.timeout));
    if (options["memory-limit"] !== undefined) commandOptions.push("--memory-limit", String(options["memory-limit"]));
    if (options["allow-private-network"]) commandOptions.push("--allow-private-network");
    if (options["no-sandbox"]) log("worker: warning: --no-sandbox: checkpoints run without bubblewrap (no network or file-system confinement)");
    const configuration = {
      platform,
      server: server.href.replace(/\/$/, ""),
      once: options.once,
      wait,
      concurrency: options.concurrency,
      cacheDir: options["cache-dir"],
      workDir: options["work-dir"],
      commandOptions,
    };
    if (options["dry-run"]) {
      out(JSON.stringify({ dryRun: true, ...configuration }, null, 2));
      return 0;
    }
    const { HttpJobServer } = await import("../worker/server-client.ts");
    const { runWorker } = await import("../worker/worker.ts");
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(130);
      log(`worker: ${signal}: handing running jobs back and stopping (again to stop at once)`);
      stop.abort();
    };
    process.on("SIGTERM", onSignal).on("SIGINT", onSignal);
    log(`worker: ${platform} for ${configuration.server}${options.once ? " (one job)" : ""}, ${options.concurrency} at a time`);
    const summary = await runWorker({
      server: new HttpJobServer(configuration.server, token),
      platform,
      once: options.once,
      waitSeconds: wait,
      concurrency: options.concurrency,
      stop: stop.signal,
      settings: {
        cacheDir: options["cache-dir"],
        workDir: options["work-dir"],
        commandOptions,
        allowPrivateNetwork: options["allow-private-network"],
        downloadTimeoutMs: 60_000,
        log,
      },
      log,
    });
    process.off("SIGTERM", onSignal).off("SIGINT", onSignal);
    if (summary.unreachable) log(`worker: stopped: ${summary.unreachable}`);
    const lines = summary.jobs.map((j) =>
      j.status === "refused" ? `${j.job} refused: ${j.reason ?? ""}` : `${j.job} ${j.kind} ${j.status}${j.duplicate ? " (already recorded)" : ""}`,
    );
    if (options.json) out(JSON.stringify(summary, null, 2));
    else if (lines.length > 0 || !summary.unreachable) out(lines.length > 0 ? lines.join("\n") : "no job");
    return summary.unreachable ? unreachableExit : 0;
  },
});
