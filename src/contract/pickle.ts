// What a static scan of the checkpoint's data.pkl found, without unpickling it.
import { z } from "zod";
import { object, oneOf, type Mode } from "./mode.ts";

/** "powerful" was written by scans before the allowlist; it is kept so that such entries still read. */
export const pickleVerdicts = ["safe", "powerful", "dangerous", "unreviewed"] as const;
export type PickleVerdict = (typeof pickleVerdicts)[number];

export function makePickle<M extends Mode>(mode: M) {
  return object(mode, {
    globals: z.array(z.string()).describe('Every global the pickle imports, as "module.name", sorted.'),
    modules: z.array(z.string()).describe("Top-level modules needed to unpickle it, e.g. anemoi, torch_geometric, flash_attn."),
    weightsOnlyLoadable: z.boolean().optional().describe("Whether torch.load(weights_only=True) could load it."),
    verdict: oneOf(
      mode,
      pickleVerdicts,
      "safe: every global on the reviewed list and used as reviewed; unreviewed: a global off the list (tools refuse to load it); dangerous: a global known to run code, start processes, touch files or the network; powerful: the verdict of scans before the reviewed list (builtins.getattr and the like).",
    ),
    flagged: z.array(z.string()).optional().describe("The globals behind an unreviewed, dangerous or powerful verdict."),
  }).describe("Summary of the pickle's imports and a safety verdict.");
}

export type PickleSummary = z.output<ReturnType<typeof makePickle<"authoring">>>;
