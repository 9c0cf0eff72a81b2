// The benchmark's figures, the targets they are held to, and their Markdown rendering.
import type { PhaseTime } from "./build-phases.ts";
import type { OutputSize } from "./output-size.ts";

export interface SizeResult {
  size: number;
  entriesBytes: number;
  validate: {
    /** `node tooling/cli.ts validate --quiet` as a child process: Node start, module load and validation. */
    cliSeconds: number;
    /** Peak RSS of the CLI process, measured as for the build. */
    cliPeakRssBytes?: number;
    /** `validateEntries(dir)` in the benchmark's own process. */
    inProcessSeconds: number;
    /** The yardstick, right after the CLI: ajv with the published authoring schema over the same folder (bench/ajv-validate.mjs). */
    ajvSeconds?: number;
  };
  build: {
    seconds: number;
    /** Peak RSS of astro and all its child processes: the larger of the /proc-sampled sum and GNU time's maxrss. */
    peakTreeRssBytes?: number;
    /** GNU time's maxrss: the largest single process of the tree. */
    maxProcessRssBytes?: number;
    peakProcesses?: number;
    /** Route generation time by kind of route (from astro's log), and the rest of the wall time. */
    phases: PhaseTime[];
  };
  output: OutputSize;
}

export interface Target {
  metric: string;
  limit: number;
  unit: "s" | "bytes";
  value: (r: SizeResult) => number | undefined;
}

export const targetSize = 10_000;
const GiB = 1024 ** 3;

export const targets: Target[] = [
  { metric: "validate (CLI wall)", limit: 3, unit: "s", value: (r) => r.validate.cliSeconds },
  { metric: "build (wall)", limit: 60, unit: "s", value: (r) => r.build.seconds },
  { metric: "build peak RSS (tree)", limit: 2 * GiB, unit: "bytes", value: (r) => r.build.peakTreeRssBytes ?? r.build.maxProcessRssBytes },
];

export interface TargetCheck {
  metric: string;
  limit: number;
  unit: string;
  value?: number;
  met?: boolean;
}

export function checkTargets(results: readonly SizeResult[]): TargetCheck[] {
  const at = results.find((r) => r.size === targetSize);
  return targets.map((t) => {
    const value = at ? t.value(at) : undefined;
    const check: TargetCheck = { metric: t.metric, limit: t.limit, unit: t.unit };
    if (value !== undefined) Object.assign(check, { value, met: value <= t.limit });
    return check;
  });
}

const mib = (bytes: number | undefined) => (bytes === undefined ? "–" : (bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 2 : 0));
const secs = (s: number | undefined) => (s === undefined ? "–" : s.toFixed(s < 10 ? 2 : 1));
const count = (n: number | undefined) => (n === undefined ? "–" : n.toLocaleString("en-US"));
const sizeLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

interface Row {
  label: string;
  value: (r: SizeResult) => number | undefined;
  format: (v: number | undefined) => string;
  target?: Target;
}

const rows: Row[] = [
  { label: "validate: CLI, child process wall (s)", value: (r) => r.validate.cliSeconds, format: secs, target: targets[0]! },
  { label: "validate: `validateEntries()` in process (s)", value: (r) => r.validate.inProcessSeconds, format: secs },
  { label: "validate: CLI peak RSS (MiB)", value: (r) => r.validate.cliPeakRssBytes, format: mib },
  { label: "validate: ajv on the published schema, child process wall (s)", value: (r) => r.validate.ajvSeconds, format: secs },
  {
    label: "validate: CLI / ajv (goal ≤ 1.5x)",
    value: (r) => (r.validate.ajvSeconds ? r.validate.cliSeconds / r.validate.ajvSeconds : undefined),
    format: (v) => (v === undefined ? "–" : `${v.toFixed(2)}x`),
  },
  { label: "build: `astro build` wall (s)", value: (r) => r.build.seconds, format: secs, target: targets[1]! },
  { label: "build: peak RSS, process tree (MiB)", value: (r) => r.build.peakTreeRssBytes, format: mib, target: targets[2]! },
  { label: "build: maxrss of largest process, GNU time (MiB)", value: (r) => r.build.maxProcessRssBytes, format: mib },
  { label: "entries folder (MiB)", value: (r) => r.entriesBytes, format: mib },
  { label: "published: modelRegistry.json (MiB)", value: (r) => r.output.modelRegistryJsonBytes, format: mib },
  { label: "published: files", value: (r) => r.output.files, format: count },
  { label: "published: all files (MiB)", value: (r) => r.output.bytes, format: mib },
];

function targetCell(t: Target | undefined, results: readonly SizeResult[]): [string, string] {
  if (!t) return ["", ""];
  const limit = t.unit === "s" ? `≤ ${t.limit} s` : `≤ ${t.limit / GiB} GiB`;
  const check = checkTargets(results).find((c) => c.metric === t.metric);
  return [limit, check?.met === undefined ? "not measured" : check.met ? "met" : "**missed**"];
}

export function markdownTable(results: readonly SizeResult[]): string {
  const first = results[0];
  const last = results.at(-1);
  const ratio = first && last && first !== last ? `${sizeLabel(last.size)}/${sizeLabel(first.size)}` : undefined;
  const header = ["", ...results.map((r) => `${count(r.size)} entries`), ...(ratio ? [ratio] : []), `target at ${count(targetSize)}`, ""];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const row of rows) {
    const cells = [row.label, ...results.map((r) => row.format(row.value(r)))];
    if (ratio) {
      const a = row.value(first!);
      const b = row.value(last!);
      cells.push(a && b !== undefined ? `${(b / a).toFixed(1)}×` : "–");
    }
    cells.push(...targetCell(row.target, results));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Where the build's wall time and memory go, per size: the wall time during which routes of each kind were being
 * generated (route spans as astro logs them, to the millisecond; concurrent routes counted once).
 */
export function phaseTable(results: readonly SizeResult[]): string {
  const last = results.at(-1);
  if (!last) return "";
  const header = [
    "build phase",
    ...results.map((r) => `${count(r.size)}: wall time (s)`),
    `share of the wall at ${count(last.size)}`,
    ...results.map((r) => `${count(r.size)}: peak RSS (MiB)`),
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const [i, phase] of last.build.phases.entries()) {
    if (results.every((r) => (r.build.phases[i]?.seconds ?? 0) === 0)) continue;
    const cells = [phase.routes > 0 ? `${phase.name} (${count(phase.routes)} route${phase.routes === 1 ? "" : "s"})` : phase.name];
    cells.push(...results.map((r) => secs(r.build.phases[i]?.seconds)));
    cells.push(`${((100 * phase.seconds) / last.build.seconds).toFixed(0)} %`);
    cells.push(...results.map((r) => mib(r.build.phases[i]?.peakRssBytes)));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
