// Folding check results into an entry's compatibility evidence. Works on the entry's raw JSON so that
// fields this tooling does not know and the file's key order survive; re-derives every platform status
// with the current rule, so a rule change takes effect from the stored evidence.
import { currentStatusRule, deriveStatus, type Evidence } from "../contract/index.ts";

type Raw = Record<string, unknown>;

export interface EvidenceUpdate {
  platform: string;
  evidence: Evidence;
  /** Identifies the run, so that recording it twice changes nothing. */
  runId: string;
}

/** Where `compatibility` goes when an entry has none yet: its place in the contract's key order. */
const keysAfterCompatibility = ["inputs", "outputs", "provenance", "pickle"];

function withCompatibility(raw: Raw): Raw {
  if ("compatibility" in raw) return raw;
  const entries = Object.entries(raw);
  const at = entries.findIndex(([key]) => keysAfterCompatibility.includes(key));
  entries.splice(at < 0 ? entries.length : at, 0, ["compatibility", {}]);
  return Object.fromEntries(entries);
}

function runIdOf(evidence: unknown): unknown {
  return (evidence as { details?: { runId?: unknown } }).details?.runId;
}

/** Returns the updated document and how many records were new. */
export function applyEvidence(raw: Raw, updates: readonly EvidenceUpdate[]): { doc: Raw; added: number } {
  const doc = withCompatibility(structuredClone(raw));
  const compatibility = doc.compatibility as Record<string, Raw>;
  let added = 0;
  for (const update of updates) {
    // Own keys only: a platform named like an Object.prototype member must not reach the prototype.
    if (!Object.hasOwn(compatibility, update.platform))
      Object.defineProperty(compatibility, update.platform, {
        value: { status: "unknown", statusRule: currentStatusRule, evidence: [] },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    const platform = compatibility[update.platform]!;
    const evidence = (platform.evidence ??= []) as unknown[];
    if (evidence.some((e) => runIdOf(e) === update.runId)) continue;
    evidence.push(update.evidence);
    added++;
  }
  for (const platform of Object.values(compatibility)) {
    const evidence = (platform.evidence ?? []) as Evidence[];
    // Oldest first; stable, so records of the same instant keep their order.
    evidence.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    platform.status = deriveStatus(evidence, currentStatusRule);
    platform.statusRule = currentStatusRule;
  }
  return { doc, added };
}
