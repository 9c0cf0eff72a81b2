import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  environmentOptions,
  environmentSettings,
  positiveNumber,
  prepare,
  resolveCheckpoint,
  runSandboxed
} from "./chunk-2XRJYSAV.js";
import {
  asCliError
} from "./chunk-GDFSYFP5.js";
import "./chunk-PIT64DJA.js";
import {
  platformKey
} from "./chunk-IU75B7EL.js";
import {
  toolFor
} from "./chunk-WZ42TI66.js";
import "./chunk-Y6XR3PQD.js";
import {
  writeFileAtomic
} from "./chunk-XQRVDLC4.js";
import {
  verificationResult
} from "./chunk-32NUYPAV.js";
import {
  defineCommand,
  formatJson
} from "./chunk-STXQ2W3N.js";

// tooling/verify/verify.ts
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
var script = new URL("../python/verify_unpickling.py", import.meta.url).pathname;
function interpret(run, output) {
  const stderrTail = run.stderr.split("\n").slice(-20).join("\n").trim();
  if (run.timedOut) return { status: "timeout", summary: `no answer within the time limit (${run.seconds.toFixed(1)} s); the process group was killed`, detail: { stderr: stderrTail } };
  if (!output) {
    const memory = /MemoryError|bad_alloc|Cannot allocate memory|out of memory/i.test(run.stderr) || run.memoryLimited && run.signal === "SIGKILL";
    if (memory) return { status: "out-of-memory", summary: "ran out of memory under the limit", detail: { stderr: stderrTail, signal: run.signal } };
    return { status: "unpickle-error", summary: `the loader died (${run.signal ?? `exit ${run.exitCode}`}) without a result`, detail: { stderr: stderrTail, signal: run.signal, exitCode: run.exitCode } };
  }
  const status = output.status ?? "unpickle-error";
  const error = output.load?.error ?? output.error;
  if (status === "ok") return { status, summary: "torch.load(weights_only=False) loaded the checkpoint", detail: {} };
  const missing = output.missingModule ?? output.load?.missingModule;
  if (status === "missing-module") return { status, summary: `module ${missing} is not installed`, detail: { module: missing, error } };
  if (status === "out-of-memory") return { status, summary: "ran out of memory under the limit", detail: { error } };
  return { status, summary: `${error?.type ?? "error"}: ${error?.message ?? ""}`.slice(0, 300), detail: { error, traceback: output.load?.traceback } };
}
async function verifyCheckpoint(file, options) {
  const base = {
    kind: "verify-unpickling",
    resultVersion: 1,
    runId: randomUUID(),
    ...file.checkpointId ? { checkpointId: file.checkpointId } : {},
    tool: toolFor("verify-unpickling"),
    date: (/* @__PURE__ */ new Date()).toISOString()
  };
  const prepared = await prepare(file, options);
  const durations = prepared.durations;
  const common = { ...base, checkpointSha256: prepared.sha256, checkpointSizeBytes: prepared.sizeBytes, requirements: prepared.requirements, requirementNotes: prepared.notes };
  const host = { key: platformKey({ os: process.platform, arch: process.arch }), os: process.platform, arch: process.arch };
  if (prepared.refused) {
    return { ...common, status: "refused-unsafe", summary: prepared.refused.summary, detail: { flagged: prepared.refused.flagged }, installed: {}, platform: host, durationsSeconds: durations };
  }
  const env = prepared.env;
  const work = await mkdtemp(join(tmpdir(), "fiab-verify-run-"));
  try {
    if (prepared.installFailure) {
      const { reason, log } = prepared.installFailure;
      return { ...common, status: "install-failed", summary: `pip could not install the requirements: ${reason?.split("\n")[0] ?? ""}`.slice(0, 300), detail: { reason, log: log.slice(-8e3) }, installed: {}, platform: host, durationsSeconds: durations };
    }
    const resultFile = join(work, "result.json");
    const started = performance.now();
    const run = await runSandboxed([env.python, script, file.path, resultFile], {
      cwd: work,
      env: { PATH: `${join(env.dir, "bin")}:/usr/bin:/bin`, HOME: work, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs: options.timeoutMs,
      ...options.memoryLimitMiB ? { memoryLimitMiB: options.memoryLimitMiB } : {}
    });
    durations.unpickle = (performance.now() - started) / 1e3;
    const output = existsSync(resultFile) ? JSON.parse(await readFile(resultFile, "utf8")) : void 0;
    const { status, summary, detail } = interpret(run, output);
    const environment = output?.environment ?? {};
    const fingerprint = {
      key: platformKey(environment),
      os: String(environment.os ?? process.platform),
      arch: String(environment.arch ?? process.arch),
      ...Object.fromEntries(["python", "torch", "cudaAvailable", "cudaVersion", "mpsAvailable", "accelerator"].filter((k) => environment[k] !== void 0).map((k) => [k, environment[k]]))
    };
    return {
      ...common,
      status,
      summary,
      detail: { ...detail, processGroup: run.processGroup, memoryLimitMiB: options.memoryLimitMiB },
      ...output?.weightsOnly ? { weightsOnlyLoadable: output.weightsOnly.ok } : {},
      installed: output?.installed ?? {},
      platform: output ? fingerprint : host,
      durationsSeconds: durations
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    await env.dispose();
    if (options.keepEnv) options.log(`verify-unpickling: environment kept at ${env.dir}`);
  }
}

// tooling/commands/verify-unpickling.ts
var verify_unpickling_default = defineCommand({
  name: "verify-unpickling",
  summary: "Prove a checkpoint loads with exactly its requirements, in a fresh environment and a limited process.",
  description: `Scans data.pkl first and refuses a dangerous one before any Python runs (--allow-unsafe overrides). Then makes
a fresh virtual environment (uv, else python -m venv), installs the checkpoint's requirements exactly as its
metadata gives them (see README, "Requirement policy"), and runs torch.load(weights_only=False) and
(weights_only=True) in a separate process group under --timeout and --memory-limit. Prints the result record
(JSON); update-metadata turns it into evidence. Exits 0 when the checkpoint loaded, 1 otherwise.`,
  positionals: [{ name: "entry-id | path | URL", description: "an entry of --entries (its URL is downloaded to the cache), a file, or a URL" }],
  options: {
    ...environmentOptions,
    timeout: { type: "string", valueName: "SECONDS", description: "time limit of the loading process", default: "600" },
    "memory-limit": { type: "string", valueName: "MiB", description: "address-space limit of the loading process" },
    out: { type: "string", valueName: "FILE", description: "also write the result record to FILE" }
  },
  examples: [
    "npm run -s registry -- verify-unpickling aifs-single-mse-1.1_w_sdpa --extra-index-url https://download.pytorch.org/whl/cpu --out result.json",
    "npm run -s registry -- verify-unpickling model.ckpt --offline --find-links ./wheelhouse --system-site-packages"
  ],
  async run({ options, positionals, out, log }) {
    const [target] = positionals;
    const timeoutMs = positiveNumber("timeout", options.timeout) * 1e3;
    const memoryLimitMiB = positiveNumber("memory-limit", options["memory-limit"]);
    try {
      const file = await resolveCheckpoint(target, options);
      const result = await verifyCheckpoint(file, { ...environmentSettings(options, log), timeoutMs, memoryLimitMiB });
      verificationResult.parse(result);
      for (const note of result.requirementNotes) log(`note: ${note}`);
      log(`verify-unpickling: ${result.status}: ${result.summary}`);
      const text = formatJson(result);
      if (options.out) await writeFileAtomic(options.out, text);
      out(text);
      return result.status === "ok" ? 0 : 1;
    } catch (error) {
      throw asCliError(error, target);
    }
  }
});
export {
  verify_unpickling_default as default
};
