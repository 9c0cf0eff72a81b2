import type { APIRoute, GetStaticPaths } from "astro";
import { publishedEntry } from "../../publish/documents.ts";
import { siteEntries } from "../../site/entries.ts";

export const getStaticPaths = (async () =>
  (await siteEntries()).map((e) => ({ params: { id: e.id }, props: { entry: e.entry } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response(`${JSON.stringify(publishedEntry(props.entry), null, 2)}\n`);
