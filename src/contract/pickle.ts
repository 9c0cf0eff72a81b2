// What a static scan of the checkpoint's data.pkl found, without unpickling it.
import { z } from "zod";
import { object, oneOf, type Mode } from "./mode.ts";

export const pickleVerdicts = ["safe", "powerful", "dangerous"] as const;
export type PickleVerdict = (typeof pickleVerdicts)[number];

export function makePickle<M extends Mode>(mode: M) {
  return object(mode, {
    globals: z.array(z.string()).describe('Every global the pickle imports, as "module.name", sorted.'),
    modules: z.array(z.string()).describe("Top-level modules needed to unpickle it, e.g. anemoi, torch_geometric, flash_attn."),
    weightsOnlyLoadable: z.boolean().optional().describe("Whether torch.load(weights_only=True) could load it."),
    verdict: oneOf(mode, pickleVerdicts, "safe: only known-safe globals; powerful: globals such as builtins.getattr seen in real model pickles; dangerous: code execution, process, network or file access."),
    flagged: z.array(z.string()).optional().describe("The globals behind a powerful or dangerous verdict."),
  }).describe("Summary of the pickle's imports and a safety verdict.");
}

export type PickleSummary = z.output<ReturnType<typeof makePickle<"authoring">>>;
