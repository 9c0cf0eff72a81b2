// The TypeScript client in a real browser (Debian's Chromium, playwright-core): the client bundled by esbuild,
// loaded by a page served from 127.0.0.1 with a signed registry beside it. The page fetches the registry,
// verifies its signature with WebCrypto, caches it in localStorage (a 304 the second time), and refuses a
// registry changed after signing.
import { build } from "esbuild";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/helpers.ts";
import { closeAllServers, startServer, type TestServer } from "../support/http-servers.ts";
import { chromiumAvailable, chromiumPath, launchChromium } from "../support/static-site.ts";
import { documentRoute, type DocumentRoute } from "../support/document-route.ts";
import { makeKey, realEntries, registryDocument, signatureFile } from "../support/signing.ts";

const unavailable = chromiumAvailable() ? undefined : `${chromiumPath} is missing (apt-get install chromium)`;
if (unavailable && process.env.CI) throw new Error(`CI must run the browser tests: ${unavailable}`);
if (unavailable) console.warn(`skipping the client's browser tests: ${unavailable}`);

const key = makeKey();
const entries = realEntries();
const doc = registryDocument(entries, { revision: "c0ffee1" });
let server: TestServer;
let routes: Record<string, DocumentRoute>;
let browser: Browser;
let closeBrowser: (() => Promise<void>) | undefined;
let page: Page;

beforeAll(async () => {
  if (unavailable) return;
  const bundled = await build({
    entryPoints: [join(repoRoot, "src/client/index.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    minify: true,
    logLevel: "silent",
  });
  const html =
    '<!doctype html><meta charset="utf-8"><title>client</title><script type="module">import * as client from "/client.js"; window.client = client; document.title = "ready";</script>';
  routes = {
    "/": documentRoute(new TextEncoder().encode(html), { "content-type": "text/html; charset=utf-8" }),
    "/client.js": documentRoute(bundled.outputFiles[0]!.contents, { "content-type": "text/javascript" }),
    "/registry/modelRegistry.json": documentRoute(doc),
    "/registry/modelRegistry.json.sig": documentRoute(signatureFile(doc, key)),
  };
  server = await startServer(routes);
  ({ browser, close: closeBrowser } = await launchChromium());
  page = await browser.newPage();
  await page.goto(`${server.base}/`);
  await page.waitForFunction(() => document.title === "ready");
});

afterAll(async () => {
  await closeBrowser?.();
  await closeAllServers();
});

/** fetchRegistry in the page, with localStorage as the cache; what came back, or the error's name and message. */
function fetchInPage(publicKey: string) {
  return page.evaluate(
    async ({ base, publicKey }) => {
      const client = (window as any).client;
      try {
        const r = await client.fetchRegistry(base, { publicKey, cache: localStorage });
        const host = { os: "linux", arch: "x86_64", python: "3.11", gpuMemoryMib: 24576 };
        const aarch64 = r.checkpoints.get("aifs-single-mse-1.1_w_flash_attn_aarch64");
        return {
          ok: true,
          count: r.checkpoints.size,
          origin: r.origin,
          verified: r.verified,
          revision: r.revision,
          detail: client.compatibility(aarch64, host).detail,
        };
      } catch (error) {
        return { ok: false, name: (error as Error).name, message: (error as Error).message };
      }
    },
    { base: `${server.base}/registry`, publicKey },
  );
}

describe.skipIf(unavailable !== undefined)("the TypeScript client in Chromium", () => {
  it("fetches and verifies a signed registry, then a 304 reuses localStorage", async () => {
    expect(await fetchInPage(key.pem)).toEqual({
      ok: true,
      count: Object.keys(entries).length,
      origin: "network",
      verified: true,
      revision: "c0ffee1",
      detail:
        "Built for aarch64 only (a platform-specific wheel); this machine is x86_64. Installs on Python 3.12 only (a version-specific wheel); this machine has Python 3.11.",
    });
    expect(await fetchInPage(key.raw)).toMatchObject({ ok: true, origin: "not-modified", verified: true });
    const registryRequests = server.stats.log.filter((r) => r.path === "/registry/modelRegistry.json").map((r) => r.status);
    expect(registryRequests).toEqual([200, 304]);
  });

  it("refuses a registry changed after signing", async () => {
    routes["/registry/modelRegistry.json"]!.body = new TextEncoder().encode(new TextDecoder().decode(doc).replace('"linux"', '"LINUX"'));
    expect(await fetchInPage(key.pem)).toMatchObject({
      ok: false,
      name: "SignatureError",
      message: expect.stringContaining("does not match the document's bytes"),
    });
  });
});
