// What a job environment must install to load and run the checkpoint.
import { z } from "zod";
import { object, type Mode } from "./mode.ts";

export function makeRequirements<M extends Mode>(mode: M) {
  return object(mode, {
    python: z.string().optional().describe('Python version the checkpoint needs, e.g. "3.11" (from the training provenance).'),
    pythonVersions: z
      .array(z.string().regex(/^3\.\d+$/, 'a Python minor version such as "3.12"'))
      .optional()
      .describe(
        'Python minor versions this variant installs on, when its requirements restrict them (a wheel built for cp312 needs "3.12"); absent: not restricted by any wheel.',
      ),
    torch: z.string().optional().describe('torch version the checkpoint needs, e.g. "2.6.0".'),
    packages: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe(
        'Pinned distributions by distribution name, e.g. {"anemoi-models": "0.4.2"}; a value may carry a local label ("2.7.1+cu126") or a git/path source.',
      ),
    pipConstraints: z
      .array(z.string().min(1))
      .optional()
      .describe("pip requirement strings FIAB installs into the job environment (FIAB's pip_package_constraints); may hold wheel URLs."),
  }).describe("Package requirements and constraints.");
}

export type Requirements = z.output<ReturnType<typeof makeRequirements<"authoring">>>;
