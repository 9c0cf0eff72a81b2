// Peak memory of a process tree on Linux, sampled from /proc: the largest sum of VmRSS over the root process
// and all its descendants seen at one instant, and the largest VmHWM (the kernel's exact per-process peak).
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export interface TreeMemory {
  /** Largest sum of resident memory over the whole tree at one sample, in bytes. */
  peakTreeRssBytes: number;
  /** Largest VmHWM of one process in the tree, in bytes (exact for that process up to its last sample). */
  peakProcessHwmBytes: number;
  /** Most processes seen in the tree at once. */
  peakProcesses: number;
  samples: number;
  /** Every sample: milliseconds since sampling began and the tree's RSS in bytes. */
  timeline: Array<[ms: number, rssBytes: number]>;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** Parent of every live process, from /proc/<pid>/stat (the command name may contain spaces and parentheses). */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

/** `root` and every process below it. */
export function treeOf(root: number): number[] {
  const children = parentMap();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture the registry runs on

/** CPU seconds (user + system) used so far by `pids`, from /proc/<pid>/stat; processes that ended count nothing. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerSecond;
}

export function procAvailable(): boolean {
  return read("/proc/self/status") !== undefined;
}

/** Samples the tree under `pid` every `intervalMs` (times relative to `start`) until `stop()` is called; stop() returns the peaks. */
export function sampleTree(pid: number, start = performance.now(), intervalMs = 100): { stop: () => TreeMemory } {
  const result: TreeMemory = { peakTreeRssBytes: 0, peakProcessHwmBytes: 0, peakProcesses: 0, samples: 0, timeline: [] };
  const sample = () => {
    let rss = 0;
    let alive = 0;
    for (const p of treeOf(pid)) {
      const status = read(`/proc/${p}/status`);
      if (!status) continue;
      alive++;
      rss += statusKb(status, "VmRSS") * 1024;
      result.peakProcessHwmBytes = Math.max(result.peakProcessHwmBytes, statusKb(status, "VmHWM") * 1024);
    }
    result.peakTreeRssBytes = Math.max(result.peakTreeRssBytes, rss);
    result.peakProcesses = Math.max(result.peakProcesses, alive);
    result.samples++;
    result.timeline.push([performance.now() - start, rss]);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return result;
    },
  };
}
