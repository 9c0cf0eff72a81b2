import type { APIRoute } from "astro";
import { modelRegistryDocument } from "../registry/publish.ts";
import { siteEntries } from "../registry/site-data.ts";

export const GET: APIRoute = async () => new Response(JSON.stringify(modelRegistryDocument(await siteEntries())));
