// Every committed schema version is published, so readers of an older version keep finding theirs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { APIRoute, GetStaticPaths } from "astro";

export const getStaticPaths = (() => {
  const root = "schema";
  return readdirSync(root)
    .filter((version) => /^v\d+$/.test(version))
    .flatMap((version) =>
      readdirSync(join(root, version))
        .filter((file) => file.endsWith(".json"))
        .map((file) => ({ params: { version, file }, props: { text: readFileSync(join(root, version, file), "utf8") } })),
    );
}) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response(props.text);
