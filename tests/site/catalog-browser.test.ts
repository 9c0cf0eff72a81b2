// The catalog in a real browser (Debian's Chromium driven by playwright-core): the catalog's fixture entries
// (tests/fixtures/entries/catalog), built by the real `astro build`, served from 127.0.0.1 as a static host
// would. A person picks a global model that fits a 24 GB GPU in a handful of actions, on a desktop and a phone;
// facets and search narrow the list, the URL keeps the state, "fits my machine" says why each card fits or not,
// maps are drawn, phones do not scroll sideways, and axe finds nothing on any kind of page.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOfCatalogEntries } from "../support/catalog-entries.ts";
import { editJson, readJson, repoRoot, runCli, tempDir } from "../support/helpers.ts";
import { packMetadataFixture } from "../support/pack-metadata.ts";
import { astroBuild } from "../support/site-build.ts";
import { chromiumAvailable, chromiumPath, launchChromium, serveSite, type StaticSite } from "../support/static-site.ts";

const unavailable = chromiumAvailable() ? undefined : `${chromiumPath} is missing (apt-get install chromium)`;
if (unavailable && process.env.CI) throw new Error(`CI must run the browser tests: ${unavailable}`);
if (unavailable) console.warn(`skipping browser tests: ${unavailable}`);

const axeSource = readFileSync(join(repoRoot, "node_modules/axe-core/axe.min.js"), "utf8");
const o48 = "aifs-global-o48";
const sdpa = "aifs-single-mse-1.1_w_sdpa";
const aarch64 = "aifs-single-mse-1.1_w_flash_attn_aarch64";
const europe = "BRIS-Europe-2025.10";

let entries: string;
let registry: Record<string, any>;
let site: StaticSite;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let context: BrowserContext;

/** The catalog's entries, with the global O48 fixture read into aifs-global-o48 and evidence on one platform. */
async function prepareEntries(): Promise<string> {
  const dir = await copyOfCatalogEntries();
  const checkpoint = await packMetadataFixture("single-o48-1.1", await tempDir());
  const extracted = await runCli(["extract-basic-metadata", checkpoint, "--id", o48, "--write", "--entries", dir]);
  expect(extracted.exitCode, extracted.stderr).toBe(0);
  const evidence = (result: string) => ({
    check: "unpickle",
    result,
    date: "2026-11-20T10:00:00Z",
    tool: { name: "fiab-model-registry verify-unpickling", version: "0.1.0" },
    environment: { os: "linux", arch: "x86_64" },
  });
  await editJson(join(dir, `${sdpa}.json`), (d) => {
    d.compatibility = {
      "linux-x86_64-cuda": { status: "compatible", statusRule: 1, evidence: [evidence("pass")] },
      "macos-arm64-mps": { status: "incompatible", statusRule: 1, evidence: [evidence("fail")] },
    };
  });
  return dir;
}

beforeAll(async () => {
  if (unavailable) return;
  entries = await prepareEntries();
  const out = join(await tempDir(), "dist");
  const built = await astroBuild(entries, out);
  expect(built.exitCode, built.all).toBe(0);
  registry = (await readJson(join(out, "modelRegistry.json"))).checkpoints;
  site = await serveSite(out);
  ({ browser, close: closeBrowser } = await launchChromium());
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await closeBrowser?.();
  await site?.close();
});

const ids = () => Object.keys(registry).sort();
const idsWhere = (test: (e: any) => boolean) => ids().filter((id) => test(registry[id]));

async function open(path: string, on: BrowserContext = context): Promise<Page> {
  const page = await on.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${site.url}${path}`);
  await page.waitForLoadState("networkidle");
  expect(errors).toEqual([]);
  return page;
}

async function shownIds(page: Page): Promise<string[]> {
  return page.$$eval("#entries > li.entry", (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.id.replace(/^entry-/, "")));
}

async function search(page: Page, text: string): Promise<void> {
  await page.fill("#q", text);
  // The plain filter answers at once; Pagefind's answer may widen it later (loading its index takes a while
  // on a busy machine): the list says which query its full-text search has answered.
  await page.waitForFunction((q) => document.getElementById("entries")?.dataset["searched"] === q, text.trim(), { timeout: 30_000 });
}

/** What a run needs in MiB, as the catalog reads it: FIAB's minimum, else the stated or estimated figure. */
const gpuNeed = (e: any): number | null | undefined =>
  e.infrastructure?.minimumGpuMemoryMib !== undefined ? e.infrastructure.minimumGpuMemoryMib : e.infrastructure?.gpuMemory?.mib;

const facet = (page: Page, key: string, value: string) => page.locator(`fieldset[data-facet="${key}"] input[value="${value}"]`);
const facetCount = async (page: Page, key: string, value: string) =>
  Number(await page.locator(`fieldset[data-facet="${key}"] label:has(input[value="${value}"]) [data-count]`).textContent());

describe.skipIf(unavailable)("the catalog in Chromium", () => {
  it("lists every entry, and narrows it with combined facets whose counts follow", async () => {
    const page = await open("/");
    expect((await shownIds(page)).sort()).toEqual(ids());
    const macos = idsWhere((e) => e.infrastructure?.supportedOs?.includes("macos"));
    expect(await facetCount(page, "os", "macos")).toBe(macos.length);
    await facet(page, "os", "macos").check();
    expect((await shownIds(page)).sort()).toEqual(macos);
    // Counts of other facets are now those of the macOS entries; within a facet, values still add up.
    const macEnsemble = macos.filter((id) => registry[id].model?.task === "ensemble");
    expect(await facetCount(page, "task", "ensemble")).toBe(macEnsemble.length);
    expect(await facetCount(page, "os", "linux")).toBe(idsWhere((e) => e.infrastructure?.supportedOs?.includes("linux")).length);
    await facet(page, "task", "ensemble").check();
    expect((await shownIds(page)).sort()).toEqual(macEnsemble);
    await facet(page, "os", "linux").check();
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => e.model?.task === "ensemble"));
    await page.close();
  });

  it("filters by architecture, accelerator evidence, domain, license and GPU memory", async () => {
    const page = await open("/");
    await facet(page, "arch", "aarch64").check();
    expect(await shownIds(page)).not.toContain("aifs-single-mse-1.1_w_flash_attn");
    expect(await shownIds(page)).toContain(aarch64);
    await page.click("#clear-all");
    await facet(page, "accel", "cuda:compatible").check();
    expect(await shownIds(page)).toEqual([sdpa]);
    await page.click("#clear-all");
    await facet(page, "domain", "limited-area").check();
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => e.inputs?.datasets?.some((d: any) => d.domain === "limited-area")));
    await page.click("#clear-all");
    await facet(page, "license", "CC-BY-4.0").check();
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => e.publication?.license === "CC-BY-4.0"));
    await page.click("#clear-all");
    await page.selectOption("#gpu", "8");
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => typeof gpuNeed(e) === "number" && gpuNeed(e)! <= 8192));
    await page.close();
  });

  it("finds what the plain text filter found nothing for: ensemble, n320, cuda, lam", async () => {
    const page = await open("/");
    await search(page, "ensemble");
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => e.model?.task === "ensemble"));
    await search(page, "n320");
    // The grid a model reads (its datasets) or the one FIAB fetches its input on (input options).
    expect((await shownIds(page)).sort()).toEqual(
      idsWhere((e) =>
        JSON.stringify([e.configuration?.inputOptions ?? "", e.inputs?.datasets ?? []])
          .toLowerCase()
          .includes('"n320"'),
      ),
    );
    await search(page, "cuda");
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => e.infrastructure?.supportedOs?.includes("linux")));
    await search(page, "lam");
    expect((await shownIds(page)).sort()).toEqual(idsWhere((e) => e.inputs?.datasets?.some((d: any) => d.domain === "limited-area")));
    await page.close();
  });

  it("searches variables and parameters with Pagefind, and keeps the plain filter when Pagefind cannot load", async () => {
    // A parameter only some models read (in their qube or variable list): the plain filter does not hold variables.
    const withParam = (param: string) => idsWhere((e) => JSON.stringify(e.inputs ?? {}).includes(`"${param}"`));
    const param = ["stl1", "swl1", "tcw", "sdor"].find((p) => withParam(p).length > 0 && withParam(p).length < ids().length)!;
    const page = await open("/");
    await search(page, param);
    expect((await shownIds(page)).sort()).toEqual(withParam(param));

    const offline = await browser.newContext();
    await offline.route("**/pagefind/**", (route) => route.abort());
    const plain = await open("/", offline);
    await search(plain, param);
    expect(await shownIds(plain)).toEqual([]);
    await search(plain, "ensemble");
    expect((await shownIds(plain)).sort()).toEqual(idsWhere((e) => e.model?.task === "ensemble"));
    await offline.close();
    await page.close();
  });

  it("keeps search, facets, sort and the machine in the URL, and restores them from it", async () => {
    const page = await open("/");
    await facet(page, "os", "linux").check();
    await page.selectOption("#sort", "size-desc");
    await search(page, "aifs");
    await page.click("#fit-form summary");
    await page.selectOption("#fit-os", "linux");
    await page.selectOption("#fit-arch", "x86_64");
    await page.fill("#fit-gpu", "24");
    await page.click("#fit-apply");
    const url = page.url();
    expect(new URL(url).search).toBe("?q=aifs&os=linux&sort=size-desc&fit=1&fit-os=linux&fit-arch=x86_64&fit-gpu=24");
    const shown = await shownIds(page);
    const sizes = shown.map((id) => registry[id].source.sizeBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));

    const again = await open(new URL(url).pathname + new URL(url).search);
    expect(await shownIds(again)).toEqual(shown);
    expect(await again.inputValue("#q")).toBe("aifs");
    expect(await facet(again, "os", "linux").isChecked()).toBe(true);
    expect(await again.inputValue("#sort")).toBe("size-desc");
    expect(await again.inputValue("#fit-gpu")).toBe("24");
    await again.goBack().catch(() => undefined);
    await again.close();

    await page.goBack();
    await page.waitForTimeout(200);
    expect(new URL(page.url()).search).not.toContain("fit=1");
    expect(await shownIds(page)).toContain(aarch64);
    await page.close();
  });

  it("fits my machine: excludes with a reason in words, and prefills what the browser tells", async () => {
    const page = await open("/");
    // Chromium on this Linux machine says Linux and its architecture.
    expect(await page.inputValue("#fit-os")).toBe("linux");
    await page.click("#fit-form summary");
    await page.selectOption("#fit-os", "linux");
    await page.selectOption("#fit-arch", "x86_64");
    await page.fill("#fit-gpu", "1");
    await page.click("#fit-apply");
    const shown = await shownIds(page);
    expect(shown).not.toContain(aarch64);
    expect(shown).not.toContain(europe);
    const summary = await page.textContent("#fit-summary");
    expect(summary).toContain(`(${aarch64}): Built for aarch64 only (a platform-specific wheel); this machine is x86_64.`);
    expect(summary).toContain(`(${europe}): Needs 1.95 GiB of GPU memory; this machine has 1 GiB.`);
    expect(summary).toContain(`(${o48}): Needs about 1.25 GiB of GPU memory (estimated); this machine has 1 GiB.`);
    await page.close();
  });

  for (const [device, viewport] of [
    ["desktop", { width: 1280, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    it(`a person picks a global model that fits a 24 GB GPU in five actions, every card saying why (${device}, ${viewport.width} px)`, async () => {
      const on = await browser.newContext({ viewport, ...(device === "phone" ? { isMobile: true, hasTouch: true } : {}) });
      const page = await open("/", on);
      const actions: Array<() => Promise<unknown>> = [
        // On a phone the filters are folded under one summary; on a desktop they are open.
        ...(device === "phone" ? [() => page.click("#facet-details summary")] : []),
        () => facet(page, "domain", "global").check(),
        () => page.click("#fit-form summary"),
        () => page.fill("#fit-gpu", "24"),
        () => page.click("#fit-apply"),
      ];
      expect(actions.length).toBeLessThanOrEqual(5);
      for (const act of actions) await act();
      // The browser filled in Linux and x86_64; the person typed only the GPU memory.
      expect(new URL(page.url()).search).toBe("?domain=global&fit=1&fit-os=linux&fit-arch=x86_64&fit-gpu=24");
      const fitting = idsWhere(
        (e) =>
          e.inputs?.datasets?.length > 0 &&
          e.inputs.datasets.every((d: any) => d.domain === "global") &&
          !(e.infrastructure?.architectures ?? ["x86_64"]).every((a: string) => a !== "x86_64") &&
          (gpuNeed(e) ?? 0) <= 24 * 1024,
      );
      expect(fitting.length).toBeGreaterThanOrEqual(5);
      expect((await shownIds(page)).sort()).toEqual(fitting);
      for (const id of fitting) {
        const note = page.locator(`[id="entry-${id}"] .fit-note`);
        expect(await note.isVisible(), id).toBe(true);
        expect(await note.textContent(), id).toMatch(
          /^Fits: Runs on Linux\. Needs (about|at least)? ?[\d.]+ GiB of GPU memory( \((estimated|measured)\))?; this machine has 24 GiB\./,
        );
      }
      // What does not fit is listed apart, each with its reason.
      expect(await page.textContent("#fit-summary")).toContain(
        `1 not for this machine, and why:${registry[aarch64].display.name} (${aarch64}): Built for aarch64 only (a platform-specific wheel); this machine is x86_64.`,
      );
      // The first card is in view after the last action, on the phone too.
      expect(await page.locator("#entries > li.entry:not([hidden])").first().isVisible()).toBe(true);
      const top = await page.locator("#shown").boundingBox();
      expect(top!.y).toBeLessThan(viewport.height);
      expect(top!.y).toBeGreaterThanOrEqual(-1);
      await on.close();
    });
  }

  it("draws a limited area's bounds on its page, a global model's globe, and a small map per row", async () => {
    const page = await open(`/checkpoints/${europe}/`);
    const map = page.locator("figure.map svg.domain-map");
    expect(await map.getAttribute("aria-label")).toBe("Limited area over Europe, 70°N to 20°N, 20°W to 30°E, 0.5/0.5 grid, nested in a global o48 domain");
    const box = await map.locator("path.domain").boundingBox();
    const frame = await map.boundingBox();
    expect(box!.width).toBeGreaterThan(frame!.width / 5);
    expect(box!.x).toBeGreaterThan(frame!.x);
    expect(box!.x + box!.width).toBeLessThan(frame!.x + frame!.width);
    expect(await map.locator("path.land").getAttribute("d")).toMatch(/^M[\d.,-]+L/);
    const global = await open(`/checkpoints/${o48}/`);
    // A global map is one file per grid, shared by the pages of every model on it.
    const globe = global.locator("img.domain-map");
    expect(await globe.getAttribute("alt")).toBe("Global, o48 grid");
    expect(await globe.getAttribute("src")).toBe("/maps/global/o48.svg");
    expect(await globe.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
    const index = await open("/");
    expect(await index.locator(`[id="entry-${europe}"] svg.small-map path.domain`).count()).toBe(1);
    expect(await index.locator(`[id="entry-${o48}"] svg.small-map path.domain.global`).count()).toBe(1);
    for (const p of [page, global, index]) await p.close();
  });

  it("sorts a checkpoint's variables, and compares it with a variant", async () => {
    const page = await open(`/checkpoints/${sdpa}/`);
    const table = page.locator("#inputs table[data-sortable]");
    await table.locator("th button.sort", { hasText: "Levels" }).click();
    const levels = (await table.locator("tbody tr td.num").allTextContents()).map(Number);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    expect(await table.locator("th[aria-sort]").getAttribute("aria-sort")).toBe("ascending");

    await page.click(`#variants a[href*="b=${aarch64}"]`);
    await page.waitForSelector("table.comparison");
    const differing = await page.$$eval("table.comparison tr.differs td:first-child", (cells) => cells.map((c) => c.textContent));
    expect(differing).toContain("CPU architectures");
    expect(differing).toContain("pip constraint");
    expect(await page.textContent("#compare-status")).toMatch(/rows? differ\.$/);
    await page.close();
  });

  it("copies a command exactly as the page shows it, quotes included", async () => {
    const clipboard = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
    const page = await open(`/checkpoints/${sdpa}/`, clipboard);
    const line = page.locator("#usage .copy-line").first();
    const shown = await line.locator("code").textContent();
    expect(shown).toMatch(/^pip install '/);
    await line.locator("button.copy").click();
    await expect.poll(() => line.locator("button.copy").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    await clipboard.close();
  });

  it("works without JavaScript: every entry listed, no dead controls", async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const page = await open("/", noScript);
    expect((await shownIds(page)).sort()).toEqual(ids());
    expect(await page.isVisible("#filters")).toBe(false);
    expect(await page.isVisible("#sort-box")).toBe(false);
    await noScript.close();
  });

  it("serves its 404 page for unknown addresses", async () => {
    const page = await context.newPage();
    const response = await page.goto(`${site.url}/checkpoints/no-such-model/`);
    expect(response!.status()).toBe(404);
    expect(await page.textContent("h1")).toBe("Page not found");
    await page.close();
  });

  const pageTypes = [
    "/",
    `/?os=macos&task=ensemble&fit=1&fit-os=linux&fit-arch=x86_64&fit-gpu=1`,
    "/?domain=global&fit=1&fit-os=linux&fit-arch=x86_64&fit-gpu=24",
    `/checkpoints/${europe}/`,
    `/checkpoints/${o48}/`,
    `/checkpoints/${sdpa}/`,
    "/contract/",
    `/compare/?a=${sdpa}&b=${aarch64}`,
    "/compare/",
    "/no-such-page/",
  ];

  it.each(pageTypes)("does not scroll sideways on a 390 px phone: %s", async (path) => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const page = await open(path, phone);
    if (path.startsWith("/compare/?")) await page.waitForSelector("table.comparison");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.close();
  });

  it.each(pageTypes)("has no axe violations: %s", async (path) => {
    const page = await open(path);
    if (path.startsWith("/compare/?")) await page.waitForSelector("table.comparison");
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map(
        (v: any) =>
          `${v.id}: ${v.help} (${v.nodes
            .map((n: any) => n.target.join(" "))
            .slice(0, 3)
            .join(", ")})`,
      );
    });
    expect(violations).toEqual([]);
    await page.close();
  });
});
