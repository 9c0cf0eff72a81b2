// The TypeScript client as its users get it: `npm pack` of clients/typescript (built from src/client/), installed
// from the tarball into a project outside the repository (offline: zod, its one dependency, from a tarball too),
// then run by plain `node` (the machine's own Node 20 where there is one, and the Node 24 of the tests) with the
// example against a signed registry on 127.0.0.1, type-checked by tsc as a consumer would, and bundled by esbuild
// for the browser (and run in Chromium when it is there).
import { realpathSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/helpers.ts";
import { closeAllServers, startServer, type TestServer } from "../support/http-servers.ts";
import { chromiumAvailable, chromiumPath, launchChromium } from "../support/static-site.ts";
import { documentRoute } from "../support/document-route.ts";
import { makeKey, realEntries, registryDocument, signatureFile } from "../support/signing.ts";

const packageDir = join(repoRoot, "clients", "typescript");
const key = makeKey();
const doc = registryDocument(realEntries(), { revision: "c0ffee1", publishedAt: "2026-11-28T12:00:00Z" });
let project: string;
let server: TestServer;
let packedFiles: string[];

/** Every `node` on the PATH outside this repository (the machine's own), and the Node that runs the tests. */
async function nodes(): Promise<string[]> {
  const found = (await execa("which", ["-a", "node"], { reject: false })).stdout.split("\n").filter(Boolean);
  const outside = found.map((path) => realpathSync(path)).filter((path) => !path.startsWith(repoRoot));
  if (outside.length === 0) console.warn("no node outside the repository on the PATH: the package is run with the tests' Node only");
  return [...new Set([...outside, process.execPath])];
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "fiab-client-consumer-"));
  const packed = await execa("npm", ["pack", "--json", "--pack-destination", project], { cwd: packageDir, timeout: 240_000 });
  const [manifest] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = manifest!.files.map((f) => f.path).sort();
  const zod = JSON.parse(
    (await execa("npm", ["pack", "--json", "--pack-destination", project, join(repoRoot, "node_modules", "zod")], { timeout: 120_000 })).stdout,
  )[0].filename as string;
  await writeFile(join(project, "package.json"), `${JSON.stringify({ name: "consumer", private: true, type: "module" })}\n`);
  await execa("npm", ["install", "--offline", "--no-audit", "--no-fund", `./${zod}`, `./${manifest!.filename}`], { cwd: project, timeout: 240_000 });
  await copyFile(join(packageDir, "examples", "fiab-like.mjs"), join(project, "fiab-like.mjs"));
  await writeFile(join(project, "key.pem"), key.pem);
  server = await startServer({ "/modelRegistry.json": documentRoute(doc), "/modelRegistry.json.sig": documentRoute(signatureFile(doc, key)) });
}, 600_000);

afterAll(async () => {
  await closeAllServers();
  if (project) await rm(project, { recursive: true, force: true });
});

describe("the packed TypeScript client", () => {
  it("holds the bundle, its declarations and the README, nothing of the repository's sources or tests", () => {
    expect(packedFiles).toContain("dist/index.js");
    expect(packedFiles).toContain("dist/types/client/index.d.ts");
    expect(packedFiles).toContain("dist/types/contract/entry.d.ts");
    expect(packedFiles).toEqual(expect.arrayContaining(["README.md", "package.json"]));
    expect(packedFiles.filter((f) => !f.startsWith("dist/") && !["README.md", "package.json"].includes(f))).toEqual([]);
    expect(packedFiles.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("runs the example with plain node, outside the repository: verified, then a 304", { timeout: 120_000 }, async () => {
    for (const node of await nodes()) {
      const run = await execa(node, ["fiab-like.mjs", server.base, "key.pem"], { cwd: project, reject: false, timeout: 60_000 });
      expect(run.exitCode, `${node}: ${run.stderr}`).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out).toMatchObject({
        url: `${server.base}/modelRegistry.json`,
        revision: "c0ffee1",
        verified: true,
        origins: ["network", "not-modified"],
        skipped: [],
      });
      expect(out.fits.length + Object.keys(out.excluded).length).toBe(Object.keys(realEntries()).length);
      expect(Number(/^v(\d+)/.exec(out.node)![1])).toBeGreaterThanOrEqual(20);
    }
  });

  it("types check for a consumer, and a misuse does not", { timeout: 120_000 }, async () => {
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const flags = [
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--lib",
      "es2022,dom",
      "--types",
      "node",
      "--typeRoots",
      join(repoRoot, "node_modules", "@types"),
    ];
    await writeFile(
      join(project, "consumer.ts"),
      [
        'import { compatibility, fetchRegistry, RollbackError, type ConsumedEntry, type FetchedRegistry } from "fiab-model-registry-client";',
        'const registry: FetchedRegistry = await fetchRegistry("https://example.org", { cache: new Map<string, string>(), allowRollback: false });',
        "const first: ConsumedEntry | undefined = registry.checkpoints.values().next().value;",
        "const name: string | undefined = first?.display.name;",
        'const fit = first ? compatibility(first, { os: "linux", arch: "x86_64" }).compatible : false;',
        'export const summary = [name, fit, registry.origin, new RollbackError("x").name];',
        "",
      ].join("\n"),
    );
    await writeFile(
      join(project, "misuse.ts"),
      'import { fetchRegistry } from "fiab-model-registry-client";\nexport const n: number = (await fetchRegistry("https://example.org")).origin;\n',
    );
    // One program of both files (each tsc start loads the DOM and Node declarations again): the misuse fails,
    // and nothing is said of the consumer.
    const bad = await execa(process.execPath, [tsc, ...flags, "consumer.ts", "misuse.ts"], { cwd: project, reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).not.toContain("consumer.ts");
    // Had the declarations not resolved, the value would be `any` and this would pass.
    expect(bad.stdout).toMatch(/misuse\.ts\(2,14\): error TS2322: Type '.+' is not assignable to type 'number'/);
  });

  it("bundles for the browser with esbuild, without Node built-ins, and runs there", { timeout: 120_000 }, async () => {
    const bundled = await build({
      stdin: { contents: 'import * as client from "fiab-model-registry-client"; window.client = client; document.title = "ready";', resolveDir: project },
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      write: false,
      logLevel: "silent",
    });
    const code = bundled.outputFiles[0]!.text;
    expect(code).not.toMatch(/["']node:/);
    expect(bundled.outputFiles[0]!.contents.byteLength).toBeLessThan(512 * 1024);
    if (!chromiumAvailable()) {
      if (process.env.CI) throw new Error(`CI must run the browser leg: ${chromiumPath} is missing`);
      console.warn(`skipping the packed client in Chromium: ${chromiumPath} is missing (apt-get install chromium)`);
      return;
    }
    const page = await startServer({
      "/": documentRoute(
        new TextEncoder().encode('<!doctype html><meta charset="utf-8"><title>client</title><script type="module" src="/client.js"></script>'),
        { "content-type": "text/html; charset=utf-8" },
      ),
      "/client.js": documentRoute(bundled.outputFiles[0]!.contents, { "content-type": "text/javascript" }),
      "/registry/modelRegistry.json": documentRoute(doc),
      "/registry/modelRegistry.json.sig": documentRoute(signatureFile(doc, key)),
    });
    const { browser, close } = await launchChromium();
    try {
      const tab = await browser.newPage();
      await tab.goto(`${page.base}/`);
      await tab.waitForFunction(() => document.title === "ready");
      const result = await tab.evaluate(
        async ({ base, publicKey }) => {
          const r = await (window as any).client.fetchRegistry(base, { publicKey, cache: localStorage });
          return { verified: r.verified, revision: r.revision, count: r.checkpoints.size };
        },
        { base: `${page.base}/registry`, publicKey: key.raw },
      );
      expect(result).toEqual({ verified: true, revision: "c0ffee1", count: Object.keys(realEntries()).length });
    } finally {
      await close();
    }
  });
});
