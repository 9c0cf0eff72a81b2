// The shape of the dummy input a checkpoint's metadata implies: (batch 1, input steps, ensemble 1, grid
// points, input variables) per dataset, anemoi's layout.
import { timestepSeconds } from "../../src/contract/index.ts";
import type { Extraction } from "../anemoi/extract.ts";
import { RegistryError } from "../../src/errors.ts";

export class InputShapeError extends RegistryError {}

export function dummyInputs(extraction: Extraction): Array<{ name: string; shape: number[] }> {
  const { inputs } = extraction.mapped;
  const steps = inputs.steps ?? 1;
  const datasets = inputs.datasets ?? [];
  if (datasets.length !== 1) {
    throw new InputShapeError(`the model reads ${datasets.length} datasets; the direct path feeds one (multi-dataset models need anemoi-inference)`);
  }
  const dataset = datasets[0]!;
  const variables = (inputs.variables ?? []).filter((v) => v.category !== "diagnostic").length;
  if (!dataset.gridPoints || variables === 0) {
    throw new InputShapeError(`the metadata does not give the input size (grid points ${dataset.gridPoints ?? "unknown"}, ${variables} input variables)`);
  }
  return [{ name: dataset.name, shape: [1, steps, 1, dataset.gridPoints, variables] }];
}

/** Names of the fields an anemoi-inference initial state needs: the inputs it does not compute itself. */
export function stateFieldNames(extraction: Extraction): string[] {
  return (extraction.mapped.inputs.variables ?? []).filter((v) => v.category !== "computed" && v.category !== "diagnostic").map((v) => v.name);
}

/** "6h" -> 6, "1h30m" -> 1.5; 6 when the metadata gives no time step. */
export function timestepHours(timestep: string | undefined): number {
  const seconds = timestep === undefined ? undefined : timestepSeconds(timestep);
  return seconds ? seconds / 3600 : 6;
}
