// What an entry does not say yet, grouped by how it gets filled: read from the checkpoint (one command,
// a few hundred KB of the file), stated by the publisher (edited by hand), or measured and checked (the
// verification commands). The checkpoint page shows these once instead of "unknown" in every section.
import type { Entry } from "../contract/index.ts";
import { shellQuote } from "./format.ts";

export interface UnknownGroup {
  title: string;
  /** What is missing, in words. */
  fields: string[];
  /** How to fill it. */
  how: string;
  /** Commands that fill it, to copy. */
  commands: string[];
}

const registry = "npm run -s registry --";

function missing(pairs: ReadonlyArray<readonly [string, unknown]>): string[] {
  return pairs.filter(([, value]) => value === undefined || (Array.isArray(value) && value.length === 0)).map(([label]) => label);
}

export function unknownFields(id: string, entry: Entry): UnknownGroup[] {
  const { model, inputs, outputs, requirements: req, provenance, infrastructure: infra } = entry;
  const groups: UnknownGroup[] = [];
  const fromCheckpoint = missing([
    ["forecast type", model?.task],
    ["time step", model?.timestep],
    ["training precision", model?.precision],
    ["parameter count", model?.parameterCount],
    ["grids and domain", inputs?.datasets?.some((d) => d.grid !== undefined || d.domain !== undefined) ? true : undefined],
    ["input steps", inputs?.steps],
    ["variables with their categories", inputs?.variables],
    ["output steps", outputs?.steps],
    ["Python and torch versions", req?.python ?? req?.torch],
    ["package versions", req?.packages],
    ["training provenance", provenance],
    ["pickle scan", entry.pickle],
    ["SHA-256 of the file", entry.source.sha256],
  ]);
  if (fromCheckpoint.length > 0) {
    groups.push({
      title: "Not yet read from the checkpoint",
      fields: fromCheckpoint,
      how: "extract-basic-metadata reads these from the file's metadata over HTTP, a few hundred KB of it, and writes them into the entry (facts people wrote are kept).",
      commands: [`${registry} extract-basic-metadata ${shellQuote(entry.source.url)} --write`],
    });
  }
  const fromPublisher = missing([
    ["license", entry.publication?.license],
    ["release date", entry.publication?.releaseDate],
    ["links (model card, paper, home page)", entry.publication?.links],
    ["description", entry.display.description === "" ? undefined : entry.display.description],
  ]);
  if (fromPublisher.length > 0) {
    groups.push({
      title: "Not stated by the publisher yet",
      fields: fromPublisher,
      how: `A checkpoint does not hold these: they come from the publisher's model card, written into entries/${id}.json (display, publication), then checked with validate.`,
      commands: [`${registry} validate`],
    });
  }
  const unchecked = missing([
    ["compatibility with any platform", Object.keys(entry.compatibility ?? {}).length > 0 ? true : undefined],
    ["GPU memory", infra?.minimumGpuMemoryMib === undefined && infra?.gpuMemory === undefined ? undefined : true],
  ]);
  if (unchecked.length > 0) {
    groups.push({
      title: "Not checked or measured yet",
      fields: unchecked,
      how: "verify-unpickling loads the checkpoint with exactly its requirements in a sandbox; update-metadata records the result as evidence for the platform it ran on.",
      commands: [`${registry} verify-unpickling ${shellQuote(id)} --out result.json`, `${registry} update-metadata ${shellQuote(id)} --from result.json`],
    });
  }
  return groups;
}
