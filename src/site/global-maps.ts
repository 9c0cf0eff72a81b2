// The globe maps of the global models' pages: one file per grid, shared by every model on it (a page shows its
// one grid's points, or the globe alone when it has several grids or none).
import { globalMapName } from "../geo/domain-map.ts";
import type { LoadedEntry } from "../registry/entries.ts";
import { domainSummary } from "./catalog-item.ts";

/** Each map's file name (without .svg) and the grid it draws. */
export function globalMaps(entries: readonly LoadedEntry[]): Map<string, string | undefined> {
  const maps = new Map<string, string | undefined>();
  for (const { entry } of entries) {
    const domain = domainSummary(entry);
    if (domain.kind !== "global") continue;
    const grid = domain.grids.length === 1 ? domain.grids[0] : undefined;
    maps.set(globalMapName(grid), grid);
  }
  return maps;
}
