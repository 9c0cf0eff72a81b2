// Where the facts of an entry that no checkpoint holds come from: each published page with the fields it backs,
// so that a reader can check a description, a license or a GPU memory figure against its source.
import { z } from "zod";
import { httpUrl, isoDate } from "./common.ts";
import { object, type Mode } from "./mode.ts";

export function makeSources<M extends Mode>(mode: M) {
  const source = object(mode, {
    url: httpUrl.describe("The page, e.g. the publisher's model card or the paper."),
    title: z.string().min(1).max(300).describe('What it is, e.g. "AIFS Single v1.1 model card (Hugging Face)".'),
    supports: z
      .array(z.string().min(1).max(200))
      .min(1)
      .describe('The entry fields it backs, as paths, e.g. "display.description", "publication.license", "inputs.datasets[0].grid".'),
    note: z.string().min(1).max(1000).optional().describe("What exactly it says, or how a field was derived from it, when that is not plain."),
    accessed: isoDate.optional().describe("When it was read, YYYY-MM-DD."),
  }).describe("One source and the fields it backs.");
  return z
    .array(source)
    .describe(
      "The published sources of facts no checkpoint holds (description, license, grid, resolution, GPU memory...), each with the fields it backs. A fact without a source stays unknown.",
    );
}

export type Sources = z.output<ReturnType<typeof makeSources<"authoring">>>;
