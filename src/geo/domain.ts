// Whether a dataset covers the globe or a limited area, from what its grid name and area say.
import type { DomainKind } from "../contract/inputs.ts";
import { isWholeGlobe, parseArea } from "./area.ts";
import { parseGridName } from "./grid-names.ts";

/** "limited-area" for an area short of the globe, "global" for a whole-globe area or a Gaussian grid; else undefined. */
export function datasetDomain(dataset: { grid?: string | undefined; area?: string | undefined }): DomainKind | undefined {
  const bounds = dataset.area === undefined ? undefined : parseArea(dataset.area);
  if (bounds) return isWholeGlobe(bounds) ? "global" : "limited-area";
  if (dataset.area !== undefined) return undefined;
  const grid = dataset.grid === undefined ? undefined : parseGridName(dataset.grid);
  return grid?.global ? "global" : undefined;
}
