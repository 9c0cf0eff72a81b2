// One checkpoint's entry: the document stored as entries/<checkpointId>.json.
import { z } from "zod";
import { checkpointId } from "./common.ts";
import { makeCompatibility } from "./compatibility.ts";
import { makeConfiguration } from "./configuration.ts";
import { schemaVersion } from "./constants.ts";
import { makeDisplay, makeTags } from "./display.ts";
import { makeInputs } from "./inputs.ts";
import { makeInfrastructure } from "./infrastructure.ts";
import { makeModel } from "./model.ts";
import { object, type Mode } from "./mode.ts";
import { makeOutputs } from "./outputs.ts";
import { makePickle } from "./pickle.ts";
import { makeProvenance } from "./provenance.ts";
import { makePublication } from "./publication.ts";
import { makeRequirements } from "./requirements.ts";
import { makeSource } from "./source.ts";
import { makeSources } from "./sources.ts";

export function makeEntry<M extends Mode>(mode: M) {
  return object(mode, {
    $schema: z.string().optional().describe("Path or URL of the JSON Schema, so editors complete and check the file."),
    schemaVersion: (mode === "authoring" ? z.literal(schemaVersion) : z.number().int().positive()).describe(
      "Version of this contract the entry is written for.",
    ),
    display: makeDisplay(mode),
    tags: makeTags().optional(),
    publication: makePublication(mode).optional(),
    source: makeSource(mode),
    variants: z
      .array(checkpointId)
      .optional()
      .describe("Ids of other entries for the same checkpoint file (e.g. flash-attention vs SDPA attention, an aarch64 build); listed on both sides."),
    model: makeModel(mode).optional(),
    requirements: makeRequirements(mode).optional(),
    configuration: makeConfiguration(mode).optional(),
    infrastructure: makeInfrastructure(mode).optional(),
    compatibility: makeCompatibility(mode).optional(),
    inputs: makeInputs(mode).optional(),
    outputs: makeOutputs(mode).optional(),
    provenance: makeProvenance(mode).optional(),
    pickle: makePickle(mode).optional(),
    sources: makeSources(mode).optional(),
  }).describe("A checkpoint entry of the FIAB model registry. The checkpoint id is the file name.");
}

type EntrySchema<M extends Mode> = ReturnType<typeof makeEntry<M>>;
const built: Partial<Record<Mode, z.ZodType>> = {};

/**
 * The entry schema of a mode, built on first use: building both modes costs as much as loading Zod, and
 * most commands need one or none.
 */
export function entrySchema<M extends Mode>(mode: M): EntrySchema<M> {
  built[mode] ??= makeEntry(mode);
  return built[mode] as EntrySchema<M>;
}

/** An entry as written in entries/. */
export type Entry = z.output<EntrySchema<"authoring">>;
/** An entry as a tolerant reader sees it: unknown enum values read as "unknown". */
export type ConsumedEntry = z.output<EntrySchema<"consuming">>;
