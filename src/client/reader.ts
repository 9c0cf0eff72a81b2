// The tolerant side of the contract, for programs that read published entries (FIAB, scripts, the site of a
// newer registry): unknown fields are ignored, unknown enum values read as "unknown", and entries written
// for a newer schemaVersion are skipped with a warning instead of failing the whole read. An id that is not a
// checkpoint id (it names files: "../../tmp/x" would leave any folder) and text that is not well-formed Unicode
// are skipped with a warning too, as the Python client does (tests/fixtures/compatibility-cases.json).
import {
  checkpointIdPattern,
  entrySchema,
  formatProblem,
  illFormedTextProblem,
  problemsFromZod,
  schemaVersion,
  type ConsumedEntry,
} from "../contract/index.ts";

export interface ReadWarning {
  checkpointId: string;
  message: string;
}

export interface ReadResult {
  checkpoints: Map<string, ConsumedEntry>;
  warnings: ReadWarning[];
}

/** Reads one entry document; `undefined` with a warning when this reader cannot use it. */
export function readEntry(checkpointId: string, doc: unknown): { entry?: ConsumedEntry; warning?: ReadWarning } {
  const version = (doc as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === "number" && version > schemaVersion) {
    return { warning: { checkpointId, message: `skipped: written for schema version ${version}, this reader knows up to ${schemaVersion}` } };
  }
  if (!checkpointIdPattern.test(checkpointId)) {
    return {
      warning: {
        checkpointId,
        message: `skipped: ${JSON.stringify(checkpointId.slice(0, 200))} is not a checkpoint id (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128)`,
      },
    };
  }
  const text = illFormedTextProblem(doc);
  if (text) return { warning: { checkpointId, message: `skipped: ${formatProblem(text)}` } };
  const parsed = entrySchema("consuming").safeParse(doc);
  if (!parsed.success) {
    const detail = problemsFromZod(parsed.error, doc).map(formatProblem).join("; ");
    return { warning: { checkpointId, message: `skipped: ${detail}` } };
  }
  return { entry: parsed.data };
}

/** Reads a published /modelRegistry.json document: {schemaVersion, checkpoints: {id: entry}}. */
export function readRegistry(doc: unknown): ReadResult {
  const checkpoints = new Map<string, ConsumedEntry>();
  const warnings: ReadWarning[] = [];
  const raw = (doc as { checkpoints?: unknown } | null)?.checkpoints;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error('not a model registry document: expected an object with a "checkpoints" object');
  }
  for (const [id, entryDoc] of Object.entries(raw)) {
    const { entry, warning } = readEntry(id, entryDoc);
    if (entry) checkpoints.set(id, entry);
    if (warning) warnings.push(warning);
  }
  return { checkpoints, warnings };
}
