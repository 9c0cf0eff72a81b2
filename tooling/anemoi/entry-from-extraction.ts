// The entry for an extracted checkpoint, merged with the entry already in entries/ (if any).
// Policy: facts read from the file (model, variables, datasets, requirements, provenance, pickle, size) are
// refreshed; what people wrote (display, tags, publication, configuration, variants, compatibility evidence) is kept; and
// FIAB's derived fields (time step, characteristics, qubes, pip constraints, supported OS) are filled when
// absent but kept when present, since stores carry hand-tuned values (e.g. flash-attention wheel URLs),
// with a warning when the derived value differs.
import { schemaVersion } from "../../src/contract/constants.ts";
import { canonicalTimestep } from "../../src/contract/duration.ts";
import type { Entry } from "../../src/contract/index.ts";
import { entrySchemaReference } from "../../src/fiab/import.ts";
import { wheelRestrictions } from "../../src/platform/wheel-tags.ts";
import type { Extraction } from "./extract.ts";

export interface SourceFacts {
  url: string;
  sizeBytes: number;
  sha256?: string;
  etag?: string;
}

function keepOrFill<T>(field: string, existing: T | undefined, derived: T | undefined, warnings: string[]): T | undefined {
  if (existing === undefined) return derived;
  if (derived !== undefined && JSON.stringify(existing) !== JSON.stringify(derived)) {
    warnings.push(`${field}: kept the entry's value; the checkpoint suggests ${JSON.stringify(derived).slice(0, 200)}`);
  }
  return existing;
}

/** The entry's time step is kept, in the one-unit form FIAB's runtime parses ("1d" becomes "24h"). */
function keptTimestep(existing: string | undefined, derived: string | undefined, warnings: string[]): string | undefined {
  const kept = existing === undefined ? undefined : (canonicalTimestep(existing) ?? existing);
  return keepOrFill("model.timestep", kept, derived, warnings);
}

const taskWords: Record<string, string> = { deterministic: "Deterministic", ensemble: "Ensemble", interpolator: "Time-interpolating" };

/**
 * A name for a new entry from what the metadata says, e.g. "Deterministic global model, o48 grid, 6h steps
 * (trained 2024-05)", so that the catalog does not list a bare id until someone writes the publisher's name.
 */
export function nameFromMetadata(m: Extraction["mapped"], id: string): string {
  const datasets = m.inputs.datasets ?? [];
  const limited = datasets.some((d) => d.domain === "limited-area");
  const global = datasets.some((d) => d.domain === "global");
  const domain = limited && global ? "nested limited-area" : limited ? "limited-area" : global ? "global" : "";
  const grids = [...new Set(datasets.flatMap((d) => (d.grid ? [d.grid] : [])))];
  const task = m.model.task ? taskWords[m.model.task] : undefined;
  const head = [task, domain, "model"].filter(Boolean).join(" ");
  const parts = [
    head.charAt(0).toUpperCase() + head.slice(1),
    ...(grids.length > 0 ? [`${grids.join(" and ")} grid${grids.length > 1 ? "s" : ""}`] : []),
    ...(m.model.timestep ? [`${m.model.timestep} steps`] : []),
  ];
  const trained =
    m.provenance.trainingTimestamp && /^\d{4}-\d{2}/.test(m.provenance.trainingTimestamp) ? ` (trained ${m.provenance.trainingTimestamp.slice(0, 7)})` : "";
  // Nothing but "Model" says nothing: the id is then the better name.
  if (parts.length === 1 && !task && !domain) return id;
  return `${parts.join(", ")}${trained}`.slice(0, 200);
}

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export function entryFromExtraction(x: Extraction, source: SourceFacts, id: string, existing?: Entry): { entry: Entry; warnings: string[] } {
  const warnings: string[] = [];
  const e = existing;
  const m = x.mapped;
  const needsFlashAttention = x.pickle?.modules.includes("flash_attn") ?? false;
  if (needsFlashAttention && !e?.requirements?.pipConstraints?.some((c) => /flash[-_]attn/.test(c))) {
    warnings.push("the pickle imports flash_attn: add a flash-attn wheel for the target platform to requirements.pipConstraints (CUDA only)");
  }
  const pipConstraints = keepOrFill("requirements.pipConstraints", e?.requirements?.pipConstraints, m.requirements.pipConstraints, warnings);
  // Wheels kept from the store (e.g. an aarch64 flash-attn build) restrict the platforms of this variant.
  const wheels = wheelRestrictions(pipConstraints ?? []);
  const membersPerDevice = m.ensemble ? m.ensembleMembersPerDevice : undefined;
  const entry: Entry = defined({
    $schema: e?.$schema ?? entrySchemaReference,
    schemaVersion,
    display: e?.display ?? { name: nameFromMetadata(m, id), author: "", description: "" },
    tags: e?.tags,
    publication: e?.publication,
    source: defined({
      ...e?.source,
      url: source.url,
      sizeBytes: source.sizeBytes,
      sha256: source.sha256 ?? e?.source.sha256,
      etag: source.etag ?? e?.source.etag,
    }),
    variants: e?.variants,
    model: defined({ ...m.model, timestep: keptTimestep(e?.model?.timestep, m.model.timestep, warnings) }),
    requirements: defined({ ...m.requirements, pythonVersions: wheels.pythonVersions ?? e?.requirements?.pythonVersions, pipConstraints }),
    configuration: e?.configuration ?? (m.ensemble ? { ensemble: { supported: true, ...(membersPerDevice ? { membersPerDevice } : {}) } } : undefined),
    infrastructure: defined({
      ...e?.infrastructure,
      supportedOs: keepOrFill(
        "infrastructure.supportedOs",
        e?.infrastructure?.supportedOs,
        needsFlashAttention ? ["linux" as const] : ["linux" as const, "macos" as const],
        [],
      ),
      architectures: wheels.architectures ?? e?.infrastructure?.architectures,
    }),
    compatibility: e?.compatibility,
    inputs: defined({
      ...m.inputs,
      characteristics: keepOrFill("inputs.characteristics", e?.inputs?.characteristics, m.inputs.characteristics, warnings),
      qube: keepOrFill("inputs.qube", e?.inputs?.qube, m.inputs.qube, warnings),
    }),
    outputs: defined({ ...m.outputs, qube: keepOrFill("outputs.qube", e?.outputs?.qube, m.outputs.qube, warnings) }),
    provenance: m.provenance,
    pickle: x.pickle
      ? defined({
          globals: x.pickle.globals,
          modules: x.pickle.modules,
          weightsOnlyLoadable: x.pickle.weightsOnlyLoadable,
          verdict: x.pickle.verdict,
          flagged: x.pickle.flagged.length > 0 ? x.pickle.flagged : undefined,
        })
      : e?.pickle,
  });
  return { entry, warnings };
}
