// The rules that turn evidence into a platform status. Add a new numbered rule instead of changing one.
import type { CompatibilityStatus } from "./compatibility.ts";

interface EvidenceLike {
  check: string;
  result: string;
  date: string;
}

export const currentStatusRule = 1;

/**
 * Rule 1: for each kind of check, only its latest record counts. Any latest "fail" makes the platform
 * incompatible; else any "degraded" makes it degraded; else any "pass" makes it compatible; else unknown.
 */
function ruleOne(evidence: readonly EvidenceLike[]): CompatibilityStatus {
  const latest = new Map<string, EvidenceLike>();
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

const rules: Record<number, (evidence: readonly EvidenceLike[]) => CompatibilityStatus> = { 1: ruleOne };

export const statusRuleDescriptions: Record<number, string> = {
  1: "For each kind of check only its latest record counts. Any latest fail: incompatible; else any degraded: degraded; else any pass: compatible; else unknown.",
};

export function deriveStatus(evidence: readonly EvidenceLike[], rule: number = currentStatusRule): CompatibilityStatus {
  const derive = rules[rule];
  if (!derive) throw new Error(`unknown compatibility status rule ${rule} (known: ${Object.keys(rules).join(", ")})`);
  return derive(evidence);
}

export function isKnownStatusRule(rule: number): boolean {
  return rule in rules;
}
