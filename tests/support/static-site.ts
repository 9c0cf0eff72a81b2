// Serves a built site on 127.0.0.1 as a static host does (sirv; the site's 404.html for unknown paths), and
// a Chromium driven by playwright-core, for the tests and benchmarks that look at pages in a real browser.
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import sirv from "sirv";

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

/**
 * Like a CDN in front of the site: Astro's hashed files under /_astro/ are cached for a year (everything else
 * is revalidated), and with `gzip` a file's `.gz` twin is sent to browsers that accept it.
 */
export async function serveSite(dir: string, options: { gzip?: boolean } = {}): Promise<StaticSite> {
  const notFound = join(dir, "404.html");
  const files = sirv(dir, {
    dev: false,
    etag: true,
    gzip: options.gzip ?? false,
    setHeaders: (res, pathname) =>
      res.setHeader("cache-control", pathname.startsWith("/_astro/") ? "public, max-age=31536000, immutable" : "public, max-age=0, must-revalidate"),
    onNoMatch: (_req, res) => {
      res.statusCode = 404;
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(existsSync(notFound) ? readFileSync(notFound) : "not found");
    },
  });
  const server: Server = createServer((req, res) => files(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Debian's Chromium, which .ci/run installs; no browser is downloaded. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

export interface RunningBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** A headless Chromium that talks to nothing but the pages it is sent to; playwright gives it a fresh profile. */
export async function launchChromium(extraArgs: string[] = []): Promise<RunningBrowser> {
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    ...extraArgs,
  ];
  const browser = await chromium.launch({ executablePath: chromiumPath, args, headless: true });
  return { browser, close: () => browser.close() };
}
