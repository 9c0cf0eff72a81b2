// The world behind the catalog's small maps: one file every row shows through the stylesheet.
import type { APIRoute } from "astro";
import { worldSvg } from "../../geo/domain-map.ts";

export const GET: APIRoute = () => new Response(worldSvg(), { headers: { "content-type": "image/svg+xml" } });
