// Whose failure a job's command was, as the worker tells the server: log-run's exit status (1 the checkpoint's,
// 75 the environment's), what a record says, and a reason that always says something.
import { describe, expect, it } from "vitest";
import { verificationResult } from "../../src/contract/records/verification.ts";
import { commandFailure, recordFailure } from "../../tooling/worker/failure.ts";

describe("a command that failed", () => {
  it("is the checkpoint's when log-run says so by its exit status, deterministic unless it ran out of time or memory", () => {
    const raised = commandFailure("log-run", {
      exitCode: 1,
      stderr:
        "log-run: installing\nTraceback (most recent call last):\nRuntimeError: mat1\nlog-run failed (checkpoint): RuntimeError: mat1 and mat2 shapes cannot be multiplied\n",
    });
    expect(raised).toMatchObject({
      fault: "checkpoint",
      deterministic: true,
      reason: "log-run exited 1: RuntimeError: mat1 and mat2 shapes cannot be multiplied",
    });
    expect(raised.output).toContain("Traceback (most recent call last):");
    const slow = commandFailure("log-run", {
      exitCode: 1,
      stderr: "log-run failed (checkpoint): the run did not finish within 1800 s; everything it started was killed",
    });
    expect(slow).toMatchObject({ fault: "checkpoint", deterministic: false });
  });

  it("is the environment's for EX_TEMPFAIL, a signal, a bad command line or any other status", () => {
    expect(commandFailure("log-run", { exitCode: 75, stderr: "log-run failed (environment): pip could not reach the index\n" })).toMatchObject({
      fault: "environment",
      deterministic: false,
      reason: "log-run exited 75: pip could not reach the index",
    });
    expect(commandFailure("log-run", { exitCode: undefined, signal: "SIGKILL", stderr: "" })).toEqual({
      fault: "environment",
      deterministic: false,
      reason: "log-run was killed (SIGKILL; the host's memory?) without a message",
    });
    expect(commandFailure("log-run", { exitCode: 2, stderr: "registry log-run: --dtype must be one of ...\n" })).toMatchObject({
      fault: "environment",
      reason: "log-run exited 2: --dtype must be one of ...",
    });
    // verify-unpickling that wrote no record never blames the checkpoint, whatever its status.
    expect(commandFailure("verify-unpickling", { exitCode: 1, stderr: "registry verify-unpickling: ENOSPC: no space left on device\n" })).toMatchObject({
      fault: "environment",
      reason: "verify-unpickling exited 1: ENOSPC: no space left on device",
    });
  });

  it("never gives a reason that ends in a bare exit status, and escapes what it quotes", () => {
    expect(commandFailure("log-run", { exitCode: 1, stderr: "\n\n" }).reason).toBe("log-run exited 1 without a message");
    const escaped = commandFailure("log-run", { exitCode: 1, stderr: "log-run failed (checkpoint): \u001b]0;owned\u0007done\n" });
    expect(escaped.reason).toBe("log-run exited 1: \\x1b]0;owned\\x07done");
    expect(escaped.output).toBe("log-run failed (checkpoint): \\x1b]0;owned\\x07done");
  });
});

describe("a verification record", () => {
  const record = (status: string, extra: Record<string, unknown> = {}) =>
    verificationResult.parse({
      kind: "verify-unpickling",
      resultVersion: 1,
      runId: "r",
      status,
      summary: `${status}!`,
      detail: {},
      requirements: [],
      requirementNotes: [],
      installed: {},
      durationsSeconds: {},
      tool: { name: "t", version: "1" },
      date: "2026-11-20T10:00:00.000Z",
      ...extra,
    });

  it("is a verdict to record when it passed or its failure is deterministic", () => {
    for (const status of ["ok", "unpickle-error", "missing-module", "refused-unsafe", "refused-dependency"])
      expect(recordFailure(record(status)), status).toBeUndefined();
  });

  it("is a failure to retry when the environment failed or it may pass another time", () => {
    expect(recordFailure(record("environment-error", { checkpointOutput: "pip: \u001b[1mno index" }))).toEqual({
      fault: "environment",
      deterministic: false,
      reason: "verify-unpickling: environment-error: environment-error!",
      output: "pip: \\x1b[1mno index",
    });
    expect(recordFailure(record("timeout"))).toMatchObject({ fault: "checkpoint", deterministic: false });
    expect(recordFailure(record("out-of-memory", { fault: "environment" }))).toMatchObject({ fault: "environment" });
  });
});
