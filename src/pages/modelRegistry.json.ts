import type { APIRoute } from "astro";
import { modelRegistryDocument } from "../publish/documents.ts";
import { siteEntries } from "../site/entries.ts";

export const GET: APIRoute = async () => new Response(JSON.stringify(modelRegistryDocument(await siteEntries())));
