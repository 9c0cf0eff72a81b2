// `node bench/catalog.ts`: the catalog's build at 10,000 entries (search index included) against a trivial
// Astro site of as many pages built in the same run, alternately, and Lighthouse with page weights on the
// real entries' index and two checkpoint pages. Prints Markdown tables (docs/benchmarks.md, "Catalog").
import { execFileSync } from "node:child_process";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { serveSite } from "../tests/support/static-site.ts";
import { generateRegistry, workDir } from "./generate-registry.ts";
import { lighthouseScores } from "./lighthouse.ts";
import { describeMachine, machine } from "./machine.ts";
import { median, runChild, type ChildRun } from "./measure.ts";
import { outputSize } from "./output-size.ts";
import { writeTrivialSite } from "./trivial-site.ts";

const root = resolve(import.meta.dirname, "..");
const work = resolve(root, "bench/.work");
const astroBin = resolve(root, "node_modules/astro/bin/astro.mjs");
const log = (text: string) => process.stderr.write(`bench catalog: ${text}\n`);

const { values } = parseArgs({
  options: { size: { type: "string", default: "10000" }, runs: { type: "string", default: "2" }, "no-lighthouse": { type: "boolean", default: false } },
});
const size = Number(values.size);
const runs = Number(values.runs);
if (!Number.isSafeInteger(size) || size < 1 || !Number.isSafeInteger(runs) || runs < 1) {
  process.stderr.write("usage: node bench/catalog.ts [--size 10000] [--runs 2] [--no-lighthouse]\n");
  process.exit(2);
}

function mustSucceed(step: string, run: ChildRun): ChildRun {
  if (run.exitCode !== 0) throw new Error(`${step} exited ${run.exitCode}:\n${run.output.split("\n").slice(-30).join("\n")}`);
  return run;
}

const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", NO_COLOR: "1" };

/** Removes a previous output and flushes it to disk, so that a build is not timed writing back the last one. */
async function clear(dist: string): Promise<void> {
  await rm(dist, { recursive: true, force: true });
  execFileSync("sync");
}

async function buildCatalog(entries: string, dist: string, logFile: string): Promise<ChildRun> {
  await clear(dist);
  return mustSucceed(
    "catalog build",
    await runChild([process.execPath, astroBin, "build", "--outDir", dist], { cwd: root, env: { ...env, REGISTRY_ENTRIES: entries }, logFile }),
  );
}

async function buildTrivial(project: string, dist: string, logFile: string): Promise<ChildRun> {
  await clear(dist);
  return mustSucceed("trivial build", await runChild([process.execPath, astroBin, "build", "--outDir", dist], { cwd: project, env, logFile }));
}

/** When the build reached each step, in the order it did, from the time its log lines arrived (pages render several at once). */
function timeline(run: ChildRun): Array<[string, number]> {
  const at = (pattern: RegExp) => run.lines.find(([, line]) => pattern.test(line))?.[0];
  const steps: Array<[string, RegExp]> = [
    ["bundled, first pages rendered", /[├└]─ \//],
    ["entries validated (the verdict), search index started", /entries in .* are valid/],
    ["pages and index rendered", /^\S+ ✓ Completed in/],
    ["published files and search index in place", /published JSON files and the search index written/],
  ];
  const reached = steps.flatMap(([name, pattern]): Array<[string, number]> => {
    const ms = at(pattern);
    return ms === undefined ? [] : [[name, ms]];
  });
  let last = 0;
  return reached
    .sort((a, b) => a[1] - b[1])
    .map(([name, ms]) => {
      const step: [string, number] = [name, (ms - last) / 1000];
      last = ms;
      return step;
    });
}
const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(1);

/** CPU seconds of each build (GNU time), steadier than wall time where other work shares the machine. */
function cpuRows(trivial: readonly ChildRun[], catalog: readonly ChildRun[]): string[] {
  if (![...trivial, ...catalog].every((r) => r.cpuSeconds !== undefined)) return [];
  const cpu = (runs: readonly ChildRun[]) => runs.map((r) => r.cpuSeconds!);
  const ratios = catalog.map((r, i) => r.cpuSeconds! / trivial[i]!.cpuSeconds!);
  return [
    `| trivial site, CPU (user + system, s) | ${cpu(trivial)
      .map((s) => s.toFixed(1))
      .join(" | ")} | ${median(cpu(trivial)).toFixed(1)} |`,
    `| catalog, CPU (user + system, s) | ${cpu(catalog)
      .map((s) => s.toFixed(1))
      .join(" | ")} | ${median(cpu(catalog)).toFixed(1)} |`,
    `| catalog / trivial, CPU | ${ratios.map((r) => `${r.toFixed(2)}x`).join(" | ")} | ${median(ratios).toFixed(2)}x |`,
  ];
}

async function buildComparison(): Promise<string> {
  const dir = workDir(work, size);
  log(`generating ${size} entries in ${dir.entries}`);
  await generateRegistry(resolve(root, "entries"), dir.entries, size);
  const project = await writeTrivialSite(resolve(work, `trivial-${size}`), size);
  const trivialDist = resolve(project, "dist");
  const catalog: ChildRun[] = [];
  const trivial: ChildRun[] = [];
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}/${runs}: trivial site of ${size} pages`);
    trivial.push(await buildTrivial(project, trivialDist, resolve(work, `trivial-${size}.log`)));
    log(`run ${i + 1}/${runs}: catalog of ${size} entries`);
    catalog.push(await buildCatalog(dir.entries, dir.dist, resolve(dir.base, "catalog-build.log")));
  }
  const c = median(catalog.map((r) => r.wallSeconds));
  const t = median(trivial.map((r) => r.wallSeconds));
  const ratios = catalog.map((r, i) => r.wallSeconds / trivial[i]!.wallSeconds);
  const last = catalog.at(-1)!;
  const output = await outputSize(dir.dist);
  const index = readFileSync(resolve(dir.dist, "index.html"));
  const lines = [
    `| build of ${size.toLocaleString("en")} | ${Array.from({ length: runs }, (_, i) => `run ${i + 1} (s)`).join(" | ")} | median (s) |`,
    `| --- |${" ---: |".repeat(runs + 1)}`,
    `| trivial Astro site, ${size.toLocaleString("en")} pages | ${trivial.map((r) => r.wallSeconds.toFixed(1)).join(" | ")} | ${t.toFixed(1)} |`,
    `| catalog, ${size.toLocaleString("en")} entries, search index included | ${catalog.map((r) => r.wallSeconds.toFixed(1)).join(" | ")} | ${c.toFixed(1)} |`,
    `| **catalog / trivial**, each run against the trivial build just before it | ${ratios.map((r) => `${r.toFixed(2)}x`).join(" | ")} | **${median(ratios).toFixed(2)}x** |`,
    ...cpuRows(trivial, catalog),
    "",
    "| last catalog build, step by step | figure |",
    "| --- | ---: |",
    ...timeline(last).map(([name, seconds]) => `| ${name} | +${seconds.toFixed(1)} s |`),
    `| peak RSS, process tree | ${mib(last.memory?.peakTreeRssBytes ?? last.gnuTimeMaxRssBytes ?? 0)} MiB |`,
    `| output | ${output.files.toLocaleString("en")} files, ${mib(output.bytes)} MiB |`,
    `| index.html | ${mib(index.length)} MiB, ${mib(gzipSync(index).length)} MiB gzipped |`,
  ];
  return lines.join("\n");
}

/** A `.gz` beside every text file, as static hosts keep them, so the pages are measured as they are served. */
async function precompress(dir: string): Promise<void> {
  for (const file of await readdir(dir, { recursive: true })) {
    if (/\.(html|css|js|json|svg|xml|txt)$/.test(file)) await writeFile(resolve(dir, `${file}.gz`), gzipSync(await readFile(resolve(dir, file)), { level: 9 }));
  }
}

async function lighthouseTable(): Promise<string> {
  const dist = resolve(work, "catalog-real", "dist");
  log("building the real entries for Lighthouse");
  await buildCatalog(resolve(root, "entries"), dist, resolve(work, "catalog-real.log"));
  await precompress(dist);
  const site = await serveSite(dist, { gzip: true });
  try {
    const paths = ["/", "/checkpoints/BRIS-Europe-2025.10/", "/checkpoints/aifs-single-mse-1.1_w_sdpa/"];
    log(`lighthouse on ${paths.join(", ")}`);
    const scores = await lighthouseScores(paths.map((p) => `${site.url}${p}`));
    const rows = scores.map((s) => {
      const path = new URL(s.url).pathname;
      const html = readFileSync(resolve(dist, `.${path}index.html`));
      return `| \`${path}\` | ${s.performance} | ${s.accessibility} | ${s.bestPractices} | ${s.seo} | ${kib(s.transferBytes)} | ${kib(gzipSync(html).length)} | ${Math.round(s.largestContentfulPaintMs)} | ${Math.round(s.totalBlockingTimeMs)} |`;
    });
    return [
      "| page (11 real entries) | performance | accessibility | best practices | SEO | transferred (KiB) | HTML gzipped (KiB) | LCP (ms) | TBT (ms) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...rows,
    ].join("\n");
  } finally {
    await site.close();
  }
}

try {
  const parts = [await buildComparison()];
  if (!values["no-lighthouse"]) parts.push(await lighthouseTable());
  process.stdout.write(`${parts.join("\n\n")}\n\nMeasured on ${describeMachine(machine(root))}.\n`);
} catch (error) {
  log(String((error as Error).stack ?? error));
  process.exitCode = 1;
}
