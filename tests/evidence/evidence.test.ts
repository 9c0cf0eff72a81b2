// Evidence from plain values (src/evidence/): every kind of check record a worker or the server produces, the
// checkpoint's words escaped and capped wherever they land, environment failures refused as evidence, and the
// sha256 a worker found folded into an entry's source without ever overwriting one.
import { describe, expect, it } from "vitest";
import { faultOf, verificationResult, type VerificationResult } from "../../src/contract/records/verification.ts";
import type { ComparisonResult } from "../../src/contract/records/comparison.ts";
import type { TraceIndex } from "../../src/contract/records/trace.ts";
import { outputTail, summaryLine } from "../../src/evidence/checkpoint-words.ts";
import { comparisonEvidence } from "../../src/evidence/comparison.ts";
import { evidenceFromResult, ResultError } from "../../src/evidence/from-result.ts";
import { observeFile } from "../../src/evidence/observed-file.ts";
import { runFailureEvidence, runPassEvidence } from "../../src/evidence/run.ts";
import { isDeterministic, refusalEvidence, unpickleEvidence } from "../../src/evidence/verification.ts";

const sha = "a".repeat(64);
const tool = { name: "fiab-model-registry verify-unpickling", version: "0.1.0" };

function verification(status: VerificationResult["status"], extra: Partial<VerificationResult> = {}): VerificationResult {
  return verificationResult.parse({
    kind: "verify-unpickling",
    resultVersion: 1,
    runId: `run-${status}`,
    checkpointSha256: sha,
    status,
    summary: `${status} happened`,
    detail: {},
    requirements: ["torch==2.5.1"],
    requirementNotes: [],
    installed: { torch: "2.5.1" },
    durationsSeconds: {},
    tool,
    date: "2026-11-20T10:00:00.000Z",
    ...(status.startsWith("refused") ? {} : { platform: { key: "linux-x86_64-cpu", os: "linux", arch: "x86_64", python: "3.13.5", torch: "2.5.1" } }),
    ...extra,
  });
}

describe("the checkpoint's words", () => {
  it("keeps one line that says something, escaped and capped", () => {
    expect(summaryLine("\n  \nRuntimeError: \u001b[31mboom\u001b[0m\nsecond line")).toBe("RuntimeError: \\x1b[31mboom\\x1b[0m");
    expect(summaryLine("x".repeat(600))).toHaveLength(500);
    expect(summaryLine("é".repeat(10), 5)).toBe("éééé…");
  });

  it("keeps the end of a stderr, where the error is, with every control character escaped", () => {
    const stderr = `${Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\r\n")}\nValueError: \u0007\u009b\ud800`;
    const tail = outputTail(stderr);
    expect(tail.split("\n")).toHaveLength(20);
    expect(tail.endsWith("ValueError: \\x07\\x9b\\ud800")).toBe(true);
    expect(tail).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const long = outputTail(`${"y".repeat(5000)}\nthe error`);
    expect(long).toHaveLength(2000);
    expect(long.startsWith("…")).toBe(true);
    expect(long.endsWith("\nthe error")).toBe(true);
  });
});

describe("verification records", () => {
  it("are unpickle evidence of the platform they ran on, with the checkpoint's words escaped", () => {
    const failed = unpickleEvidence(
      verification("unpickle-error", { summary: "ModuleNotFoundError\u001b]0;x\u0007", checkpointOutput: "Traceback\n\u001b[2Jgone" }),
    );
    expect(failed).toMatchObject({
      platform: "linux-x86_64-cpu",
      runId: "run-unpickle-error",
      evidence: {
        check: "unpickle",
        result: "fail",
        summary: "unpickle-error: ModuleNotFoundError\\x1b]0;x\\x07",
        details: { checkpointOutput: "Traceback\n\\x1b[2Jgone" },
      },
    });
    expect(unpickleEvidence(verification("ok")).evidence).toMatchObject({
      result: "pass",
      environment: { os: "linux", arch: "x86_64", python: "3.13.5", torch: "2.5.1", packages: { torch: "2.5.1" } },
    });
  });

  it("are never evidence when the host's environment failed", () => {
    const noIndex = verification("environment-error", { fault: "environment", deterministic: false });
    expect(() => unpickleEvidence(noIndex)).toThrow(ResultError);
    expect(() => evidenceFromResult(noIndex, "result.json")).toThrow(
      /^result\.json: run run-environment-error failed in its host's environment \(environment-error\): it says nothing about the checkpoint$/,
    );
    // An older record without `fault` is judged by its status.
    expect(faultOf({ status: "environment-error" })).toBe("environment");
    expect(faultOf({ status: "install-failed" })).toBe("environment");
    expect(faultOf({ status: "install-failed", fault: "checkpoint" })).toBe("checkpoint");
    expect(faultOf({ status: "missing-module" })).toBe("checkpoint");
    expect(faultOf({ status: "ok" })).toBe("none");
  });

  it("say whether they would come out the same again", () => {
    expect(
      ["unpickle-error", "missing-module", "refused-unsafe", "refused-dependency"].map((s) => isDeterministic({ status: s as VerificationResult["status"] })),
    ).toEqual([true, true, true, true]);
    expect(["timeout", "out-of-memory", "environment-error"].map((s) => isDeterministic({ status: s as VerificationResult["status"] }))).toEqual([
      false,
      false,
      false,
    ]);
    expect(isDeterministic({ status: "timeout", deterministic: true })).toBe(true);
  });

  it("are refusals of the asked platform when the scan or the dependency rule refused", () => {
    for (const status of ["refused-unsafe", "refused-dependency"] as const) {
      const refusal = refusalEvidence(
        verification(status, { summary: "aifs -> evil-aifs is not the reviewed distribution anemoi-models" }),
        "linux-x86_64-cuda",
      );
      expect(refusal).toMatchObject({
        platform: "linux-x86_64-cuda",
        evidence: {
          check: "unpickle",
          result: "fail",
          summary: `${status}: aifs -> evil-aifs is not the reviewed distribution anemoi-models`,
          environment: { os: "linux", arch: "x86_64" },
          checkpointSha256: sha,
        },
      });
      expect(() => unpickleEvidence(verification(status))).toThrow(/refused before running/);
    }
    expect(() => refusalEvidence(verification("ok"), "linux-x86_64-cpu")).toThrow(/not a refusal/);
  });

  it("refuse an unknown kind by name", () => {
    expect(() => evidenceFromResult({ kind: "\u001b[2J".repeat(40) }, "r.json")).toThrow(/^r\.json: unknown result kind "(\\u001b\[2J)+/);
  });
});

describe("runs", () => {
  it("a trace is a passed run of the platform", () => {
    const index = {
      runId: "trace-1",
      tool: { name: "fiab-model-registry log-run", version: "0.1.0" },
      checkpoint: { sha256: sha, sizeBytes: 10 },
      input: { dtype: "float32", device: "cpu" },
      path: "forward",
      modules: [{}, {}],
      environment: { torch: "2.5.1", python: "3.13.5" },
      timingsSeconds: {},
      peakMemoryBytes: {},
    } as unknown as TraceIndex;
    expect(runPassEvidence(index, { platform: "linux-x86_64-cpu", trace: { "index.json": sha }, date: "2026-11-20T10:00:00.000Z" })).toMatchObject({
      platform: "linux-x86_64-cpu",
      runId: "trace-1",
      evidence: {
        check: "run",
        result: "pass",
        summary: "ran on dummy input in float32 on cpu (forward, 2 module calls)",
        environment: { os: "linux", arch: "x86_64", torch: "2.5.1" },
        checkpointSha256: sha,
      },
    });
  });

  it("a failure is a failed run with its reason and the checkpoint's words; never a bare exit status", () => {
    const base = {
      platform: "linux-x86_64-cuda",
      job: "j",
      attempt: 3,
      dtype: "bfloat16",
      checkpointSha256: sha,
      date: "2026-11-20T10:00:00.000Z",
      tool: { name: "fiab-model-registry worker", version: "0.1.0" },
    };
    const once = runFailureEvidence({
      ...base,
      failures: 1,
      reason: "log-run failed (checkpoint): RuntimeError: no kernel image\nmore",
      output: `${"z".repeat(3000)}\nRuntimeError: no kernel image\u001b[0m`,
    });
    expect(once).toMatchObject({
      runId: "job-j-3",
      evidence: {
        check: "run",
        result: "fail",
        summary: "log-run failed: log-run failed (checkpoint): RuntimeError: no kernel image",
        environment: { os: "linux", arch: "x86_64" },
        details: { job: "j", dtype: "bfloat16" },
      },
    });
    expect(once.evidence.details!.checkpointOutput).toHaveLength(2000);
    expect(String(once.evidence.details!.checkpointOutput).endsWith("RuntimeError: no kernel image\\x1b[0m")).toBe(true);
    expect(runFailureEvidence({ ...base, failures: 3, reason: "\n", output: undefined }).evidence.summary).toBe(
      "log-run failed 3 times: the run failed without a message",
    );
  });
});

describe("comparisons", () => {
  const comparison = (verdict: ComparisonResult["verdict"], nan = 0) =>
    ({
      runId: "cmp",
      checkpointSha256: sha,
      reference: { platformKey: "linux-x86_64-cpu", dtype: "float64" },
      candidate: { platformKey: "linux-x86_64-cuda", dtype: "bfloat16", torch: "2.5.1" },
      profile: { name: "bfloat16", rtol: 0.016, atol: 1e-5 },
      verdict,
      summary: `${verdict}\u0007`,
      modules: [{ name: "m", verdict, metrics: { maxAbs: 1, relL2: 0.1, nanMismatches: nan, infMismatches: 0 } }],
      finalOutputs: [],
      tool,
      date: "2026-11-20T10:00:00.000Z",
    }) as unknown as ComparisonResult;

  it("pass when equivalent or within tolerance, degraded when divergent, fail with NaN where the reference has numbers", () => {
    expect(
      ["equivalent", "within-tolerance", "divergent"].map((v) => comparisonEvidence(comparison(v as ComparisonResult["verdict"])).evidence.result),
    ).toEqual(["pass", "pass", "degraded"]);
    expect(comparisonEvidence(comparison("divergent", 3)).evidence.result).toBe("fail");
    expect(comparisonEvidence(comparison("equivalent")).evidence.summary).toBe("equivalent\\x07 (against linux-x86_64-cpu float64)");
  });
});

describe("the file a worker hashed", () => {
  const entry = (source: Record<string, unknown>, tags?: Record<string, string>) => ({
    schemaVersion: 1,
    display: { name: "x" },
    ...(tags ? { tags } : {}),
    source: { url: "https://example.org/x.ckpt", ...source },
    compatibility: { "linux-x86_64-cpu": { evidence: ["first"] } },
  });
  const observed = { sha256: sha, sizeBytes: 10, date: "2026-11-20T10:00:00.000Z" };

  it("is recorded where the entry has no sha256 (and no size)", () => {
    expect(observeFile(entry({ sizeBytes: 10 }), observed)).toEqual({ change: "recorded", doc: entry({ sizeBytes: 10, sha256: sha }) });
    expect(observeFile(entry({}), observed)).toEqual({ change: "recorded", doc: entry({ sizeBytes: 10, sha256: sha }) });
    expect(observeFile(entry({ sizeBytes: 10, sha256: sha }), observed)).toEqual({ change: "agrees" });
  });

  it("flags the entry when it disagrees, and keeps the recorded file and its evidence", () => {
    const other = "b".repeat(64);
    const disputed = observeFile(entry({ sizeBytes: 10, sha256: other }), observed);
    expect(disputed).toMatchObject({
      change: "disputed",
      message: `sha256 differ: a worker downloaded 10 bytes with sha256 ${sha} from source.url on 2026-11-20T10:00:00.000Z; the entry records 10 bytes with sha256 ${other}`,
    });
    const doc = (disputed as unknown as { doc: ReturnType<typeof entry> }).doc;
    expect(doc.source).toEqual({ url: "https://example.org/x.ckpt", sizeBytes: 10, sha256: other });
    expect(doc.compatibility).toEqual(entry({}).compatibility);
    expect(doc.tags).toEqual({ integrity: (disputed as { message: string }).message });
    expect(observeFile(entry({ sizeBytes: 11 }), observed)).toMatchObject({
      change: "disputed",
      message: expect.stringMatching(/^size differ: .* the entry records 11 bytes$/),
    });
    expect(observeFile(entry({ sizeBytes: 10, sha256: other }, { integrity: "earlier", status: "operational" }), observed)).toMatchObject({
      change: "already-disputed",
    });
  });
});
