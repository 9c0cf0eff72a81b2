// Where a build's time and memory go, read from `astro build`'s own log: it prints every generated route with
// the time it took (render, mkdir and write), e.g. "├─ /checkpoints/x/index.html (+3ms)", the line ending when
// the route is done. Astro renders routes concurrently, so their times overlap and their sum can exceed the wall
// time many times over: a kind of route is given the wall time during which at least one route of its kind was
// being generated (the union of their spans); the memory samples taken while a route was being generated give
// that kind's peak. The rest of the wall time is start-up, the registry integration's
// validation, bundling and the pages' own loading of the entries (getStaticPaths).

export const routeGroups = [
  { name: "checkpoint pages (HTML)", test: (route: string) => /^\/checkpoints\/[^/]+\/index\.html$/.test(route) },
  { name: "checkpoint JSON", test: (route: string) => /^\/checkpoints\/[^/]+\.json$/.test(route) },
  { name: "FIAB artifacts.json (all contracts)", test: (route: string) => /^\/fiab\/[^/]+\/artifacts\.json$/.test(route) },
  { name: "modelRegistry.json", test: (route: string) => route === "/modelRegistry.json" },
  { name: "index.html", test: (route: string) => route === "/index.html" },
  { name: "other routes", test: () => true },
] as const;

export const outsideRoutes = "outside route generation (start, validation, bundling, getStaticPaths)";

export interface PhaseTime {
  name: string;
  routes: number;
  /** Wall time during which a route of this kind was being generated (for the last phase: no route was). */
  seconds: number;
  /** Largest process-tree RSS sampled while this phase ran, in bytes. */
  peakRssBytes?: number;
}

function seconds(stat: string): number {
  const m = /^(?:(\d+)m\s*)?([\d.]+)(ms|s)$/.exec(stat.trim());
  if (!m) return 0;
  return Number(m[1] ?? 0) * 60 + Number(m[2]) / (m[3] === "ms" ? 1000 : 1);
}

/** Each route's time span in the run, [start ms, end ms, phase index], in the order of the log. */
function routeSpans(lines: ReadonlyArray<readonly [number, string]>, phases: PhaseTime[]): Array<[number, number, number]> {
  const spans: Array<[number, number, number]> = [];
  for (const [ms, line] of lines) {
    const m = /[├└]─ (\/\S*) \(\+([^)]+)\)/.exec(line);
    if (!m) continue;
    const i = routeGroups.findIndex((g) => g.test(m[1]!));
    const took = seconds(m[2]!);
    phases[i]!.routes++;
    spans.push([ms - took * 1000 - 1, ms, i]); // 1 ms of slack for the rounding of "(+Nms)"
  }
  return spans;
}

/** The length of the union of the spans, in seconds. */
function covered(spans: ReadonlyArray<readonly [number, number, ...unknown[]]>): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [start, stop] of sorted) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total / 1000;
}

/** A memory sample belongs to the route being generated at that instant, else to the time outside routes. */
function attributeMemory(spans: ReadonlyArray<[number, number, number]>, timeline: ReadonlyArray<readonly [number, number]>, phases: PhaseTime[]): void {
  let s = 0;
  for (const [ms, rss] of timeline) {
    while (s < spans.length && spans[s]![1] < ms) s++;
    const span = spans[s];
    const phase = phases[span && span[0] <= ms ? span[2] : phases.length - 1]!;
    phase.peakRssBytes = Math.max(phase.peakRssBytes ?? 0, rss);
  }
}

/** Route times and peak memory by group, then the rest of the wall time. */
export function buildPhases(
  lines: ReadonlyArray<readonly [number, string]>,
  wallSeconds: number,
  timeline?: ReadonlyArray<readonly [number, number]>,
): PhaseTime[] {
  const phases: PhaseTime[] = [...routeGroups.map((g) => ({ name: g.name, routes: 0, seconds: 0 })), { name: outsideRoutes, routes: 0, seconds: 0 }];
  const spans = routeSpans(lines, phases);
  for (const [i, phase] of phases.entries()) phase.seconds = covered(spans.filter((span) => span[2] === i));
  phases.at(-1)!.seconds = Math.max(0, wallSeconds - covered(spans));
  if (timeline) attributeMemory(spans, timeline, phases);
  return phases;
}
