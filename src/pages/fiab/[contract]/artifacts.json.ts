import type { APIRoute, GetStaticPaths } from "astro";
import { fiabContracts, type FiabContract } from "../../../fiab/store-contract.ts";
import { fiabView } from "../../../publish/documents.ts";
import { siteEntries } from "../../../site/entries.ts";

export const getStaticPaths = (() => fiabContracts.map((contract) => ({ params: { contract } }))) satisfies GetStaticPaths;

// Compact, like modelRegistry.json: FIAB parses it, and at 10,000 entries indentation triples its size.
export const GET: APIRoute = async ({ params }) => new Response(JSON.stringify(fiabView(await siteEntries(), params.contract as FiabContract).store));
