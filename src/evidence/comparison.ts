// compare-runs records as evidence: equivalent or within tolerance is a pass; divergent numbers are degraded;
// NaN or Inf where the reference has numbers is a fail.
import type { ComparisonResult } from "../contract/records/comparison.ts";
import type { EvidenceUpdate } from "./apply.ts";
import { summaryLine } from "./checkpoint-words.ts";
import { platformEnvironment } from "./platform-environment.ts";

export function comparisonEvidence(r: ComparisonResult): EvidenceUpdate {
  const broken =
    r.modules.some((m) => m.metrics.nanMismatches > 0 || m.metrics.infMismatches > 0) ||
    r.finalOutputs.some((f) => f.metrics.nanMismatches > 0 || f.metrics.infMismatches > 0);
  const c = r.candidate;
  return {
    platform: c.platformKey,
    runId: r.runId,
    evidence: {
      check: "compare-runs",
      result: r.verdict === "divergent" ? (broken ? "fail" : "degraded") : "pass",
      summary: summaryLine(`${r.summary} (against ${r.reference.platformKey} ${r.reference.dtype})`),
      date: r.date,
      tool: r.tool,
      environment: { ...(c.torch ? { torch: c.torch } : {}), ...(c.accelerator ? { accelerator: c.accelerator } : {}), ...platformEnvironment(c.platformKey) },
      checkpointSha256: r.checkpointSha256,
      details: {
        runId: r.runId,
        verdict: r.verdict,
        profile: r.profile,
        reference: r.reference,
        candidate: r.candidate,
        ...(r.firstDivergent ? { firstDivergent: r.firstDivergent } : {}),
        worstModules: [...r.modules]
          .sort((x, y) => (y.metrics.maxAbs ?? 0) - (x.metrics.maxAbs ?? 0))
          .slice(0, 5)
          .map((m) => ({ name: m.name, verdict: m.verdict, maxAbs: m.metrics.maxAbs, relL2: m.metrics.relL2 })),
      },
    },
  };
}
