// Where the checkpoint came from, as recorded in its anemoi metadata.
import { z } from "zod";
import { object, type Mode } from "./mode.ts";

export function makeProvenance<M extends Mode>(mode: M) {
  return object(mode, {
    anemoiMetadataVersion: z.string().optional().describe('Version of the anemoi metadata layout: "1.0", "2.0"; absent in very old files.'),
    uuid: z.string().optional().describe("The checkpoint's uuid."),
    runId: z.string().optional().describe("The training run id."),
    trainingTimestamp: z.string().optional().describe("When the checkpoint was written, as recorded."),
    python: z.string().optional().describe('Python version used in training, e.g. "3.11.8".'),
    moduleVersions: z
      .record(z.string(), z.string())
      .optional()
      .describe('Module versions at training time by import name, e.g. {"torch": "2.5.1+rocm6.2"}; git or path installs keep their source.'),
    distributionNames: z.record(z.string(), z.string()).optional().describe("Import name to distribution name, e.g. anemoi.models -> anemoi-models."),
  }).describe("Training provenance from the anemoi metadata.");
}

export type Provenance = z.output<ReturnType<typeof makeProvenance<"authoring">>>;
