// What the figures were measured on, printed with them.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { resolve } from "node:path";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  astro: string;
}

export function machine(root: string): Machine {
  const astro = (JSON.parse(readFileSync(resolve(root, "node_modules/astro/package.json"), "utf8")) as { version: string }).version;
  return { cpus: availableParallelism(), cpuModel: cpus()[0]?.model.trim() ?? "unknown", memoryBytes: totalmem(), node: process.version, astro };
}

export function describeMachine(m: Machine): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${(m.memoryBytes / 1024 ** 3).toFixed(0)} GiB memory, Node ${m.node}, Astro ${m.astro}`;
}
