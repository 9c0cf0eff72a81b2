// One map per grid of the global models, shared by their pages (see globalMapFile).
import type { APIRoute, GetStaticPaths } from "astro";
import { globalMapFile, globalMapName } from "../../../geo/domain-map.ts";
import { domainSummary } from "../../../site/catalog-item.ts";
import { siteEntries } from "../../../site/entries.ts";

export const getStaticPaths = (async () => {
  const grids = new Map<string, string | undefined>();
  for (const { entry } of await siteEntries()) {
    const domain = domainSummary(entry);
    if (domain.kind !== "global") continue;
    // As DomainMap shows it: its one grid, else the globe alone.
    const grid = domain.grids.length === 1 ? domain.grids[0] : undefined;
    grids.set(globalMapName(grid), grid);
  }
  return [...grids].map(([name, grid]) => ({ params: { grid: name }, props: { grid } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(globalMapFile((props as { grid: string | undefined }).grid), { headers: { "content-type": "image/svg+xml" } });
