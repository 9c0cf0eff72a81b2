// Result records of the registry's checks (verify-unpickling, compare-runs), read and turned into evidence.
import type { z } from "zod";
import { platformKeyPattern } from "../contract/index.ts";
import { formatProblem, problemsFromZod } from "../contract/parse.ts";
import { comparisonResult } from "../contract/records/comparison.ts";
import { verificationResult } from "../contract/records/verification.ts";
import type { EvidenceUpdate } from "./apply.ts";
import { comparisonEvidence } from "./comparison.ts";
import { ResultError } from "./result-error.ts";
import { unpickleEvidence } from "./verification.ts";

export { ResultError } from "./result-error.ts";

export interface ResultIdentity {
  checkpointId?: string | undefined;
  checkpointSha256?: string | undefined;
}

const readers: Record<
  string,
  { schema: { safeParse(doc: unknown): { success: true; data: unknown } | { success: false; error: z.ZodError } }; convert: (r: never) => EvidenceUpdate }
> = {
  "verify-unpickling": { schema: verificationResult, convert: unpickleEvidence },
  "compare-runs": { schema: comparisonResult, convert: comparisonEvidence },
};

export function evidenceFromResult(doc: unknown, file: string): { update: EvidenceUpdate; identity: ResultIdentity } {
  const kind = String((doc as { kind?: unknown } | null)?.kind);
  const reader = readers[kind];
  if (!reader)
    throw new ResultError(
      `${file}: unknown result kind ${JSON.stringify(kind).slice(0, 80)} (expected ${Object.keys(readers)
        .map((k) => `"${k}"`)
        .join(" or ")})`,
    );
  const parsed = reader.schema.safeParse(doc);
  if (!parsed.success) throw new ResultError(`${file}: not a valid ${kind} result:\n${problemsFromZod(parsed.error, doc).map(formatProblem).join("\n")}`);
  let update: EvidenceUpdate;
  try {
    update = reader.convert(parsed.data as never);
  } catch (error) {
    if (error instanceof ResultError) throw new ResultError(`${file}: ${error.message}`);
    throw error;
  }
  if (!platformKeyPattern.test(update.platform))
    throw new ResultError(`${file}: platform key ${JSON.stringify(update.platform).slice(0, 80)} is not a lowercase platform key such as "linux-x86_64-cuda"`);
  return { update, identity: parsed.data as ResultIdentity };
}
