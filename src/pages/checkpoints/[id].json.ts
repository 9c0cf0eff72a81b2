// One entry as JSON. A build writes these files from its publish thread (10,000 Astro routes took ten seconds,
// the files a tenth of one); the dev server serves them from here. Both write entryJsonText's bytes.
import type { APIRoute, GetStaticPaths } from "astro";
import { entryJsonText } from "../../publish/documents.ts";
import { siteEntries } from "../../site/entries.ts";

export const getStaticPaths = (async () =>
  import.meta.env.DEV ? (await siteEntries()).map((e) => ({ params: { id: e.id }, props: { entry: e.entry } })) : []) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response(entryJsonText(props.entry));
