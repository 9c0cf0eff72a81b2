// A published document as a static host serves it: an ETag, and a 304 for a matching If-None-Match.
import { createHash } from "node:crypto";
import type { Route } from "./http-servers.ts";

export interface DocumentRoute extends Route {
  body: Uint8Array;
}

export function documentRoute(body: Uint8Array, headers: Record<string, string> = {}): DocumentRoute {
  const route = Object.assign(
    ((req, res) => {
      const etag = `"${createHash("sha256").update(route.body).digest("hex").slice(0, 16)}"`;
      if (req.headers["if-none-match"] === etag) return void res.writeHead(304, { etag, ...headers }).end();
      res.writeHead(200, { etag, "content-type": "application/json", "content-length": String(route.body.byteLength), ...headers }).end(route.body);
    }) as Route,
    { body },
  );
  return route;
}
