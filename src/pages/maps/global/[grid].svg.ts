// One map per grid of the global models, shared by their pages (src/site/global-maps.ts). A build writes them
// from its publish thread (src/publish/published-files.ts), so that no route waits for every entry before the
// pages render; as a route they exist only in the dev server. Both write globalMapFile's bytes.
import type { APIRoute, GetStaticPaths } from "astro";
import { globalMapFile } from "../../../geo/domain-map.ts";
import { siteEntries } from "../../../site/entries.ts";
import { globalMaps } from "../../../site/global-maps.ts";

export const getStaticPaths = (async () =>
  import.meta.env.DEV
    ? [...globalMaps(await siteEntries())].map(([name, grid]) => ({ params: { grid: name }, props: { grid } }))
    : []) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(globalMapFile((props as { grid: string | undefined }).grid), { headers: { "content-type": "image/svg+xml" } });
