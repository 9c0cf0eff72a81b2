// What a job's result writes into its entry: its evidence, and what its worker found of the file (the sha256 of
// an entry that had none; a flag when the file disagrees with the recorded one). Planned as every entry write
// is, against the contract and the other entries; nothing is written when the entry now names another file.
import { applyEvidence, type EvidenceUpdate } from "../../src/evidence/apply.ts";
import { observeFile, type FileObservation } from "../../src/evidence/observed-file.ts";
import { formatRegistryProblem } from "../../src/registry/problem.ts";
import type { JobResultRequest } from "../api/wire.ts";
import type { EntryStore } from "./entry-store.ts";
import type { Row } from "./job-row.ts";
import { HttpProblem } from "./problems.ts";

export type EntryWrites = ReturnType<EntryStore["plan"]>["writes"];

const unprocessable = (row: Row, detail: string) => new HttpProblem(422, "unprocessable", "Result not accepted", `job ${row.id}: ${detail}`);

/**
 * The file a result is about, against the entry: `observation` of the worker's digest when it sent one;
 * `disputed` (why) when the file is not the entry's. A result whose record names another file than the
 * worker downloaded, or (from a worker that sends no digest) another file than the job's, does not fit.
 */
export function fileOfResult(
  store: EntryStore,
  row: Row,
  request: JobResultRequest,
  reported: string | undefined,
  date: string,
): { observation?: FileObservation; disputed?: string } {
  const loaded = store.get(row.checkpoint_id);
  const expected = loaded?.entry.source.sha256 ?? row.checkpoint_sha256 ?? undefined;
  const observed = request.checkpoint;
  if (observed && reported && observed.sha256 !== reported)
    throw unprocessable(row, `the result is of the file ${reported}, the worker downloaded ${observed.sha256}`);
  if (!observed) {
    if (expected && reported && reported !== expected) throw unprocessable(row, `the result is for the file ${reported}, the job for ${expected}`);
    return {};
  }
  if (!loaded || (row.checkpoint_sha256 && loaded.entry.source.sha256 && row.checkpoint_sha256 !== loaded.entry.source.sha256)) return {};
  const observation = observeFile(loaded.entry, { ...observed, date });
  if (observation.change === "disputed" || observation.change === "already-disputed") return { observation, disputed: observation.message };
  return { observation };
}

/**
 * The entry's writes for a job's evidence and its worker's observation of the file; none when the entry is gone
 * or now names another file. A digest the checks across entries refuse (another entry has the same file and is
 * no variant of it) is left out and logged: the evidence is still recorded.
 */
export function entryWrites(
  store: EntryStore,
  row: Row,
  update: EvidenceUpdate | undefined,
  observation: FileObservation | undefined,
  log: (message: string) => void,
): EntryWrites {
  const loaded = store.get(row.checkpoint_id);
  if (!loaded) return [];
  const entrySha = loaded.entry.source.sha256;
  if (entrySha && row.checkpoint_sha256 && entrySha !== row.checkpoint_sha256) {
    log(`job ${row.id}: ${row.checkpoint_id} now has another file; its evidence is not recorded`);
    return [];
  }
  const raw = loaded.entry;
  const withFile = observation && "doc" in observation ? observation.doc : raw;
  const draft = (base: Record<string, unknown>) => (update ? applyEvidence(base, [update]).doc : base);
  let planned = store.plan([{ id: row.checkpoint_id, entry: draft(withFile) }]);
  if (planned.problems.length > 0 && withFile !== raw) {
    log(`job ${row.id}: the sha256 its worker found is not recorded on ${row.checkpoint_id}:\n${planned.problems.map(formatRegistryProblem).join("\n")}`);
    planned = store.plan([{ id: row.checkpoint_id, entry: draft(raw) }]);
  } else if (observation?.change === "recorded") log(`job ${row.id}: recorded the sha256 its worker found on ${row.checkpoint_id}`);
  else if (observation?.change === "disputed") log(`job ${row.id}: flagged ${row.checkpoint_id}: ${observation.message}`);
  if (planned.problems.length > 0)
    throw new Error(`job ${row.id}: the entry with its evidence is not valid:\n${planned.problems.map(formatRegistryProblem).join("\n")}`);
  return planned.writes;
}
