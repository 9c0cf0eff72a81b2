// The verification record's fault and determinism: what a record says itself, and what an older record
// without them is taken to mean (faultOf, deterministicOf), so that readers of old and new records agree.
import { describe, expect, it } from "vitest";
import { checkpointOutputMaxChars, deterministicOf, faultOf, verificationResult, verificationStatuses } from "../../src/contract/records/verification.ts";

const record = (extra: Record<string, unknown>) => ({
  kind: "verify-unpickling",
  resultVersion: 1,
  runId: "r",
  status: "ok",
  summary: "s",
  detail: {},
  requirements: [],
  requirementNotes: [],
  installed: {},
  durationsSeconds: {},
  tool: { name: "t", version: "1" },
  date: "2026-11-26T00:00:00Z",
  ...extra,
});

describe("the verification record", () => {
  it("takes the two new statuses, a fault, determinism and the checkpoint's output", () => {
    for (const status of ["refused-dependency", "environment-error"])
      expect(
        verificationResult.safeParse(
          record({ status, fault: status === "environment-error" ? "environment" : "checkpoint", deterministic: status !== "environment-error" }),
        ).success,
      ).toBe(true);
    expect(verificationResult.safeParse(record({ fault: "worker" })).success).toBe(false);
    expect(verificationResult.safeParse(record({ checkpointOutput: "x".repeat(checkpointOutputMaxChars) })).success).toBe(true);
    expect(verificationResult.safeParse(record({ checkpointOutput: "x".repeat(checkpointOutputMaxChars + 1) })).success).toBe(false);
  });

  it("a record's own fault and determinism win over its status", () => {
    expect(faultOf({ status: "install-failed", fault: "checkpoint" })).toBe("checkpoint");
    expect(deterministicOf({ status: "timeout", deterministic: true })).toBe(true);
  });

  it("an older record without them: derived from its status", () => {
    const derived = Object.fromEntries(verificationStatuses.map((status) => [status, [faultOf({ status }), deterministicOf({ status })]]));
    expect(derived).toEqual({
      ok: ["none", true],
      "install-failed": ["environment", false],
      "missing-module": ["checkpoint", true],
      "unpickle-error": ["checkpoint", true],
      timeout: ["checkpoint", false],
      "out-of-memory": ["checkpoint", true],
      "refused-unsafe": ["checkpoint", true],
      "environment-error": ["environment", false],
      "refused-dependency": ["checkpoint", true],
    });
  });
});
