// The FIAB store views, one per contract version. A build writes them from its publish thread beside the
// rendering (src/publish/published-files.ts); the dev server serves them from here. Both write fiabViewText.
import type { APIRoute, GetStaticPaths } from "astro";
import { fiabContracts, type FiabContract } from "../../../fiab/store-contract.ts";
import { fiabViewText } from "../../../publish/documents.ts";
import { siteEntries } from "../../../site/entries.ts";

export const getStaticPaths = (() => (import.meta.env.DEV ? fiabContracts.map((contract) => ({ params: { contract } })) : [])) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => new Response(fiabViewText(await siteEntries(), params.contract as FiabContract));
