import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  authoringEntry,
  external_exports,
  isoDateTime,
  sha256
} from "./chunk-STXQ2W3N.js";

// src/contract/parse.ts
function formatPath(path) {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "(root)";
}
function valueAt(doc, path) {
  let at = doc;
  for (const key of path) {
    if (at === null || typeof at !== "object") return void 0;
    at = at[key];
  }
  return at;
}
function describeValue(value) {
  if (value === void 0) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
function toProblem(issue, doc) {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: "unknown field (a typo? the contract page lists the fields)",
      expected: "no such field",
      found: describeValue(valueAt(doc, [...issue.path, key]))
    }));
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => b.length < a.length ? b : a);
    if (best.length > 0) return best.flatMap((sub) => toProblem({ ...sub, path: [...issue.path, ...sub.path] }, doc));
  }
  const found = valueAt(doc, issue.path);
  const expected = issue.code === "invalid_type" ? issue.expected : issue.code === "invalid_value" ? issue.values.map((v) => JSON.stringify(v)).join(" | ") : void 0;
  return [
    {
      path: formatPath(issue.path),
      message: found === void 0 && (issue.code === "invalid_type" || issue.code === "invalid_value") ? "required field is missing" : issue.message,
      ...expected ? { expected } : {},
      found: describeValue(found)
    }
  ];
}
function problemsFromZod(error, doc) {
  return error.issues.flatMap((issue) => toProblem(issue, doc));
}
function parseEntry(doc) {
  const result = authoringEntry.safeParse(doc);
  if (result.success) return { ok: true, entry: result.data };
  return { ok: false, problems: problemsFromZod(result.error, doc) };
}
function formatProblem(p) {
  const parts = [`${p.path}: ${p.message}`];
  if (p.expected) parts.push(`expected ${p.expected}`);
  if (p.found !== void 0) parts.push(`found ${p.found}`);
  return parts.join("; ");
}

// src/contract/verification.ts
var verificationStatuses = ["ok", "install-failed", "missing-module", "unpickle-error", "timeout", "out-of-memory", "refused-unsafe"];
var platformFingerprint = external_exports.strictObject({
  key: external_exports.string().describe('Registry platform key, e.g. "linux-x86_64-cpu".'),
  os: external_exports.string().describe('Operating system, e.g. "linux".'),
  arch: external_exports.string().describe('CPU architecture, e.g. "x86_64".'),
  python: external_exports.string().optional().describe("Python version of the environment."),
  torch: external_exports.string().optional().describe("torch version of the environment."),
  cudaAvailable: external_exports.boolean().optional(),
  cudaVersion: external_exports.string().nullable().optional(),
  mpsAvailable: external_exports.boolean().optional(),
  accelerator: external_exports.string().optional().describe("GPU name when one was used.")
}).describe("Where the check ran.");
var verificationResult = external_exports.strictObject({
  kind: external_exports.literal("verify-unpickling"),
  resultVersion: external_exports.literal(1).describe("Version of this record's layout."),
  runId: external_exports.string().min(1).describe("Unique id of this run; update-metadata records a run once."),
  checkpointId: external_exports.string().optional().describe("The entry checked, when the run started from one."),
  checkpointSha256: sha256.optional().describe("SHA-256 of the file that was checked."),
  checkpointSizeBytes: external_exports.number().int().nonnegative().optional(),
  status: external_exports.enum(verificationStatuses).describe("ok, install-failed, missing-module, unpickle-error, timeout, out-of-memory or refused-unsafe."),
  summary: external_exports.string().describe("One line: what happened."),
  detail: external_exports.record(external_exports.string(), external_exports.unknown()).describe("pip's reason, the missing module, the exception type and message..."),
  requirements: external_exports.array(external_exports.string()).describe("The requirements installed, as given to pip."),
  requirementNotes: external_exports.array(external_exports.string()).describe("How the checkpoint's versions were turned into requirements (local labels, git or path installs)."),
  weightsOnlyLoadable: external_exports.boolean().optional().describe("Whether torch.load(weights_only=True) loaded it."),
  installed: external_exports.record(external_exports.string(), external_exports.string()).describe("Installed distributions and versions in the environment."),
  platform: platformFingerprint.optional(),
  durationsSeconds: external_exports.record(external_exports.string(), external_exports.number().nonnegative()).describe("Duration of each step: download, scan, environment, install, unpickle."),
  tool: external_exports.strictObject({ name: external_exports.string(), version: external_exports.string() }),
  date: isoDateTime
}).describe("Result of verify-unpickling.");

// src/contract/comparison.ts
var comparisonVerdicts = ["equivalent", "within-tolerance", "divergent"];
var metrics = external_exports.strictObject({
  count: external_exports.number().int().nonnegative().describe("Elements compared."),
  maxAbs: external_exports.number().nullable(),
  meanAbs: external_exports.number().nullable(),
  maxRel: external_exports.number().nullable().describe("Max |b - a| / max(|a|, atol)."),
  relL2: external_exports.number().nullable().describe("||b - a|| / ||a||."),
  cosine: external_exports.number().nullable(),
  outsideShare: external_exports.number().describe("Share of elements with |b - a| > atol + rtol |a|."),
  nanMismatches: external_exports.number().int().nonnegative(),
  infMismatches: external_exports.number().int().nonnegative()
});
var side = external_exports.strictObject({
  runId: external_exports.string(),
  platformKey: external_exports.string(),
  dtype: external_exports.string(),
  device: external_exports.string(),
  torch: external_exports.string().optional(),
  accelerator: external_exports.string().optional()
});
var comparisonResult = external_exports.strictObject({
  kind: external_exports.literal("compare-runs"),
  resultVersion: external_exports.literal(1),
  runId: external_exports.string(),
  checkpointId: external_exports.string().optional(),
  checkpointSha256: sha256,
  inputSha256: sha256,
  reference: side,
  candidate: side,
  profile: external_exports.strictObject({ name: external_exports.string(), rtol: external_exports.number().nonnegative(), atol: external_exports.number().nonnegative() }),
  verdict: external_exports.enum(comparisonVerdicts),
  summary: external_exports.string(),
  firstDivergent: external_exports.strictObject({ index: external_exports.number().int(), name: external_exports.string(), reason: external_exports.string() }).optional(),
  modules: external_exports.array(
    external_exports.strictObject({
      index: external_exports.number().int().nonnegative(),
      name: external_exports.string(),
      type: external_exports.string(),
      step: external_exports.number().int().nonnegative(),
      output: external_exports.number().int().nonnegative(),
      verdict: external_exports.enum(comparisonVerdicts),
      metrics,
      /** relL2 of this output minus relL2 of the input it received: the error the module itself adds. */
      addedError: external_exports.number().nullable()
    })
  ),
  unaligned: external_exports.array(external_exports.string()).describe("Module calls present in only one trace."),
  finalOutputs: external_exports.array(external_exports.strictObject({ name: external_exports.string(), verdict: external_exports.enum(comparisonVerdicts), metrics })),
  tool: external_exports.strictObject({ name: external_exports.string(), version: external_exports.string() }),
  date: isoDateTime
}).describe("Result of compare-runs.");

// src/contract/compatibility-rule.ts
var currentStatusRule = 1;
function ruleOne(evidence) {
  const latest = /* @__PURE__ */ new Map();
  for (const record of evidence) {
    const seen = latest.get(record.check);
    if (!seen || Date.parse(record.date) >= Date.parse(seen.date)) latest.set(record.check, record);
  }
  const results = new Set([...latest.values()].map((r) => r.result));
  if (results.has("fail")) return "incompatible";
  if (results.has("degraded")) return "degraded";
  if (results.has("pass")) return "compatible";
  return "unknown";
}
var rules = { 1: ruleOne };
function deriveStatus(evidence, rule = currentStatusRule) {
  const derive = rules[rule];
  if (!derive) throw new Error(`unknown compatibility status rule ${rule} (known: ${Object.keys(rules).join(", ")})`);
  return derive(evidence);
}
function isKnownStatusRule(rule) {
  return rule in rules;
}

// src/contract/trace.ts
var traceDtypes = ["float64", "float32", "float16", "bfloat16"];
var stats = external_exports.strictObject({
  numel: external_exports.number().int().nonnegative(),
  min: external_exports.number().nullable().describe("Over finite elements; null when there are none."),
  max: external_exports.number().nullable(),
  mean: external_exports.number().nullable(),
  std: external_exports.number().nullable(),
  l2: external_exports.number().nullable().describe("L2 norm of the finite elements."),
  nan: external_exports.number().int().nonnegative(),
  inf: external_exports.number().int().nonnegative()
});
var stored = external_exports.strictObject({ file: external_exports.string(), offset: external_exports.number().int().nonnegative(), count: external_exports.number().int().nonnegative() });
var tensorRecord = external_exports.strictObject({
  shape: external_exports.array(external_exports.number().int().nonnegative()),
  dtype: external_exports.string(),
  stats,
  /** Values at fixed positions: floor(i * numel / count), i < count; the same positions on every platform. */
  sample: stored
});
var traceIndex = external_exports.strictObject({
  kind: external_exports.literal("log-run-trace"),
  traceVersion: external_exports.literal(1),
  runId: external_exports.string(),
  date: isoDateTime,
  tool: external_exports.strictObject({ name: external_exports.string(), version: external_exports.string() }),
  checkpoint: external_exports.strictObject({ sha256, sizeBytes: external_exports.number().int().nonnegative(), checkpointId: external_exports.string().optional() }),
  input: external_exports.strictObject({
    seed: external_exports.number().int(),
    dtype: external_exports.enum(traceDtypes),
    device: external_exports.string(),
    /** sha256 of the float64 input (before the cast to dtype): equal inputs have equal digests. */
    sha256,
    tensors: external_exports.array(external_exports.strictObject({ name: external_exports.string(), shape: external_exports.array(external_exports.number().int().nonnegative()) }))
  }),
  path: external_exports.enum(["anemoi-inference", "predict_step", "forward"]).describe("How the model was driven."),
  steps: external_exports.number().int().positive(),
  environment: external_exports.record(external_exports.string(), external_exports.unknown()).describe("torch, CUDA/cuDNN or MPS, CPU, determinism and TF32 flags."),
  timingsSeconds: external_exports.record(external_exports.string(), external_exports.number().nonnegative()),
  peakMemoryBytes: external_exports.record(external_exports.string(), external_exports.number().nonnegative()),
  sampleCount: external_exports.number().int().positive(),
  modules: external_exports.array(
    external_exports.strictObject({
      index: external_exports.number().int().nonnegative().describe("Call order."),
      name: external_exports.string().describe('Qualified module name; "(model)" for the root.'),
      type: external_exports.string(),
      step: external_exports.number().int().nonnegative(),
      inputs: external_exports.array(tensorRecord).describe("The first tensor argument, as received."),
      outputs: external_exports.array(tensorRecord)
    })
  ),
  finalOutputs: external_exports.array(external_exports.strictObject({ name: external_exports.string(), shape: external_exports.array(external_exports.number().int().nonnegative()), dtype: external_exports.string(), values: stored }))
}).describe("Index of a log-run trace folder.");

export {
  problemsFromZod,
  parseEntry,
  formatProblem,
  currentStatusRule,
  deriveStatus,
  isKnownStatusRule,
  verificationResult,
  traceIndex,
  comparisonResult
};
