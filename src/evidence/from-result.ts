// Result records of the registry's checks (verify-unpickling, compare-runs) turned into evidence.
import { platformKeyPattern } from "../contract/index.ts";
import { comparisonResult, type ComparisonResult } from "../contract/records/comparison.ts";
import { verificationResult, type VerificationResult } from "../contract/records/verification.ts";
import type { z } from "zod";
import { formatProblem, problemsFromZod } from "../contract/parse.ts";
import type { EvidenceUpdate } from "./apply.ts";
import { RegistryError } from "../errors.ts";

export class ResultError extends RegistryError {}

export interface ResultIdentity {
  checkpointId?: string | undefined;
  checkpointSha256?: string | undefined;
}

function fromVerification(r: VerificationResult): EvidenceUpdate {
  if (r.status === "refused-unsafe") throw new ResultError(`run ${r.runId} was refused before running (refused-unsafe): it says nothing about compatibility`);
  if (!r.platform) throw new ResultError(`run ${r.runId} has no platform fingerprint`);
  const p = r.platform;
  return {
    platform: p.key,
    runId: r.runId,
    evidence: {
      check: "unpickle",
      result: r.status === "ok" ? "pass" : "fail",
      summary: `${r.status}: ${r.summary}`.slice(0, 500),
      date: r.date,
      tool: r.tool,
      environment: {
        os: p.os,
        arch: p.arch,
        ...(p.python ? { python: p.python } : {}),
        ...(p.torch ? { torch: p.torch } : {}),
        ...(p.accelerator ? { accelerator: p.accelerator } : {}),
        ...(p.cudaAvailable && p.cudaVersion ? { cuda: p.cudaVersion } : {}),
        ...(Object.keys(r.installed).length > 0 ? { packages: r.installed } : {}),
      },
      ...(r.checkpointSha256 ? { checkpointSha256: r.checkpointSha256 } : {}),
      details: {
        runId: r.runId,
        status: r.status,
        requirements: r.requirements,
        ...(r.weightsOnlyLoadable !== undefined ? { weightsOnlyLoadable: r.weightsOnlyLoadable } : {}),
      },
    },
  };
}

/** Equivalent or within tolerance: pass; divergent numbers: degraded; NaN or Inf where the reference has numbers: fail. */
function fromComparison(r: ComparisonResult): EvidenceUpdate {
  const broken = r.modules.some((m) => m.metrics.nanMismatches > 0 || m.metrics.infMismatches > 0) || r.finalOutputs.some((f) => f.metrics.nanMismatches > 0 || f.metrics.infMismatches > 0);
  const c = r.candidate;
  return {
    platform: c.platformKey,
    runId: r.runId,
    evidence: {
      check: "compare-runs",
      result: r.verdict === "divergent" ? (broken ? "fail" : "degraded") : "pass",
      summary: `${r.summary} (against ${r.reference.platformKey} ${r.reference.dtype})`.slice(0, 500),
      date: r.date,
      tool: r.tool,
      environment: { ...(c.torch ? { torch: c.torch } : {}), ...(c.accelerator ? { accelerator: c.accelerator } : {}), os: c.platformKey.split("-")[0]!, arch: c.platformKey.split("-")[1]! },
      checkpointSha256: r.checkpointSha256,
      details: {
        runId: r.runId,
        verdict: r.verdict,
        profile: r.profile,
        reference: r.reference,
        candidate: r.candidate,
        ...(r.firstDivergent ? { firstDivergent: r.firstDivergent } : {}),
        worstModules: [...r.modules].sort((x, y) => (y.metrics.maxAbs ?? 0) - (x.metrics.maxAbs ?? 0)).slice(0, 5).map((m) => ({ name: m.name, verdict: m.verdict, maxAbs: m.metrics.maxAbs, relL2: m.metrics.relL2 })),
      },
    },
  };
}

const readers: Record<string, { schema: { safeParse(doc: unknown): { success: true; data: unknown } | { success: false; error: z.ZodError } }; convert: (r: never) => EvidenceUpdate }> = {
  "verify-unpickling": { schema: verificationResult, convert: fromVerification },
  "compare-runs": { schema: comparisonResult, convert: fromComparison },
};

export function evidenceFromResult(doc: unknown, file: string): { update: EvidenceUpdate; identity: ResultIdentity } {
  const kind = String((doc as { kind?: unknown } | null)?.kind);
  const reader = readers[kind];
  if (!reader) throw new ResultError(`${file}: unknown result kind ${JSON.stringify(kind)} (expected ${Object.keys(readers).map((k) => `"${k}"`).join(" or ")})`);
  const parsed = reader.schema.safeParse(doc);
  if (!parsed.success) throw new ResultError(`${file}: not a valid ${kind} result:\n${problemsFromZod(parsed.error, doc).map(formatProblem).join("\n")}`);
  const update = reader.convert(parsed.data as never);
  if (!platformKeyPattern.test(update.platform)) throw new ResultError(`${file}: platform key ${JSON.stringify(update.platform).slice(0, 80)} is not a lowercase platform key such as "linux-x86_64-cuda"`);
  return { update, identity: parsed.data as ResultIdentity };
}
