// /modelRegistry.json: every entry, keyed by checkpoint id. A build writes it from its publish thread beside
// the rendering (src/publish/published-files.ts), so as a route it exists only in the dev server; a route
// with parameters is the one kind Astro lets a build skip. Both write modelRegistryText's bytes.
import type { APIRoute, GetStaticPaths } from "astro";
import { modelRegistryText } from "../publish/documents.ts";
import { entriesPublication } from "../publish/revision.ts";
import { siteEntries, siteEntriesDir } from "../site/entries.ts";

export const getStaticPaths = (() => (import.meta.env.DEV ? [{ params: { document: "modelRegistry" } }] : [])) satisfies GetStaticPaths;

export const GET: APIRoute = async () => new Response(modelRegistryText(await siteEntries(), entriesPublication(siteEntriesDir())));
