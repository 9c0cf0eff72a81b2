// Who publishes the checkpoint and under what terms: license, release date and where to read more. None of
// it is inside a checkpoint file, so it is written by hand from the publisher's model card.
import { z } from "zod";
import { httpUrl } from "./common.ts";
import { object, type Mode } from "./mode.ts";

// An SPDX license expression: ids (and LicenseRef-...) joined by AND, OR or WITH, e.g. "CC-BY-4.0",
// "Apache-2.0 OR MIT". Parentheses are rare in model licenses and not accepted.
export const spdxExpressionPattern = /^[A-Za-z0-9][A-Za-z0-9.+-]*( (AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+-]*)*$/;

export function makePublication<M extends Mode>(mode: M) {
  return object(mode, {
    license: z
      .string()
      .regex(spdxExpressionPattern, 'an SPDX license id or expression such as "CC-BY-4.0" or "Apache-2.0 OR MIT"')
      .optional()
      .describe('License of the weights as an SPDX id or expression, e.g. "CC-BY-4.0"; "LicenseRef-<name>" for a license SPDX does not list.'),
    releaseDate: z.iso.date("a date as YYYY-MM-DD, e.g. 2025-07-01").optional().describe("When the publisher released the checkpoint, e.g. 2025-07-01."),
    links: object(mode, {
      homepage: httpUrl.optional().describe("The model's home page."),
      paper: httpUrl.optional().describe("The paper describing the model, e.g. its arXiv page."),
      modelCard: httpUrl.optional().describe("The publisher's model card, e.g. on Hugging Face."),
    })
      .optional()
      .describe("Where to read more about the model."),
  }).describe("Publication facts: license, release date and links. Not in the checkpoint file; taken from the publisher's model card.");
}

export type Publication = z.output<ReturnType<typeof makePublication<"authoring">>>;
