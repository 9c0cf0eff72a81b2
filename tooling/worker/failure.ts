// Whose failure a job's command was, from what the host itself knows: log-run's exit status (1 the
// checkpoint's, 75 the environment's, per the interface with log-run) and verify-unpickling's record. What the
// worker cannot attribute (a signal, an unknown status, no record) is the environment's: a failure is blamed on
// the checkpoint only when it is its own. The reason is one escaped line that says something; the stderr tail
// goes with it, escaped and capped.
import { faultOf, type VerificationResult } from "../../src/contract/records/verification.ts";
import { outputTail, summaryLine } from "../../src/evidence/checkpoint-words.ts";
import { isDeterministic } from "../../src/evidence/verification.ts";
import type { JobResultRequest } from "../api/wire.ts";

export type FailureReport = Required<Pick<JobResultRequest, "fault" | "deterministic" | "reason">> & Pick<JobResultRequest, "output">;

/** log-run's exit statuses (tooling/traces/log-run.ts): the checkpoint's fault, the environment's (EX_TEMPFAIL). */
export const checkpointExit = 1;
export const environmentExit = 75;

/** Checkpoint failures that may not happen again (a timeout, running out of memory within the limits). */
const mayPass = /did not finish within|timed? ?out|out of memory|memory limit/i;

/** The line that says why: log-run's own last line, else the command's error line, else the last line. */
function reasonLine(command: string, stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const own = lines.findLast((l) => new RegExp(`^${command} failed \\((checkpoint|environment)\\): .`).test(l));
  if (own) return own.replace(/^[^:]*:\s*/, "");
  const error = lines.find((l) => l.startsWith(`registry ${command}: `));
  return error ? error.slice(`registry ${command}: `.length) : lines.at(-1);
}

/** A command that exited without the result it owes: who failed, and why in words. */
export function commandFailure(command: string, run: { exitCode: number | undefined; signal?: string | undefined; stderr: string }): FailureReport {
  const why = reasonLine(command, run.stderr);
  const how = run.exitCode === undefined ? `was killed (${run.signal ?? "a signal"}; the host's memory?)` : `exited ${run.exitCode}`;
  const reason = summaryLine(why ? `${command} ${how}: ${why}` : `${command} ${how} without a message`);
  const output = run.stderr.trim() ? outputTail(run.stderr) : undefined;
  const base = { reason, ...(output ? { output } : {}) };
  if (command === "log-run" && run.exitCode === checkpointExit) return { fault: "checkpoint", deterministic: !mayPass.test(why ?? ""), ...base };
  return { fault: "environment", deterministic: false, ...base };
}

/** A verification record that is not a verdict to record at once: the environment's failure, or one that may pass. */
export function recordFailure(record: VerificationResult): FailureReport | undefined {
  const fault = faultOf(record);
  if (fault === "none" || (fault === "checkpoint" && isDeterministic(record))) return undefined;
  const output = record.checkpointOutput ? outputTail(record.checkpointOutput) : undefined;
  return { fault, deterministic: false, reason: summaryLine(`verify-unpickling: ${record.status}: ${record.summary}`), ...(output ? { output } : {}) };
}
