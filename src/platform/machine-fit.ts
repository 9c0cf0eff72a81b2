// "Fits my machine": whether an entry can run on a machine someone describes (operating system, CPU
// architecture, GPU memory), with each exclusion said in words. Only what is known excludes: a requirement
// nobody has stated yet is a caveat, not a reason to hide a model.
import { acceleratorName, type AcceleratorSupport } from "./accelerators.ts";
import { formatPlatformKey, parsePlatformKey } from "./platform-key.ts";

export interface Machine {
  os?: "linux" | "macos" | undefined;
  arch?: "x86_64" | "aarch64" | undefined;
  /** GPU memory in MiB (on macOS the unified memory); 0 for a machine without a GPU; undefined when not given. */
  gpuMemoryMib?: number | undefined;
}

/** What the fit reads of an entry; the catalog embeds exactly this per entry. */
export interface FitFacts {
  supportedOs?: readonly string[] | undefined;
  architectures?: readonly string[] | undefined;
  /** FIAB's minimum: null: no minimum; undefined: not stated. */
  minimumGpuMemoryMib?: number | null | undefined;
  /** What a run needs, measured, stated or estimated (infrastructure.gpuMemory); used where no minimum is stated. */
  gpuMemory?: { mib: number; kind: string; atLeast?: boolean | undefined } | undefined;
  accelerators: readonly AcceleratorSupport[];
  /** Platform keys with their derived status, for evidence about this very machine. */
  platforms: Readonly<Record<string, string>>;
}

export interface Fit {
  fits: boolean;
  /** Why it does not fit, one sentence each. */
  reasons: string[];
  /** What is not known and might still exclude it. */
  caveats: string[];
  /** Why it fits, one sentence each (empty when it does not). */
  support: string[];
}

const osNames: Record<string, string> = { linux: "Linux", macos: "macOS" };
const osName = (os: string) => osNames[os] ?? os;

function listText(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? "") : `${values.slice(0, -1).join(", ")} and ${values.at(-1)}`;
}

export function gibText(mib: number): string {
  const gib = mib / 1024;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(2).replace(/0$/, "")} GiB`;
}

/** The accelerator a machine would run the model on: MPS on macOS, CUDA with a GPU, else the CPU. */
export function machineAccelerator(machine: Machine): string | undefined {
  if (machine.os === "macos") return "mps";
  if (machine.gpuMemoryMib === undefined) return undefined;
  return machine.gpuMemoryMib > 0 ? "cuda" : "cpu";
}

/** Platform keys name Apple silicon arm64 and Linux aarch64: the same architecture. */
const sameArch = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && (a === b || (["aarch64", "arm64"].includes(a) && ["aarch64", "arm64"].includes(b)));

export function machineFit(facts: FitFacts, machine: Machine): Fit {
  const reasons: string[] = [];
  const caveats: string[] = [];
  const { os, arch, gpuMemoryMib } = machine;

  if (os && facts.supportedOs && facts.supportedOs.length > 0 && !facts.supportedOs.includes(os)) {
    reasons.push(`Runs on ${listText(facts.supportedOs.map(osName))} only; this machine runs ${osName(os)}.`);
  } else if (os && !facts.supportedOs) caveats.push("The operating systems it runs on are not stated.");

  if (arch && facts.architectures && facts.architectures.length > 0 && !facts.architectures.includes(arch)) {
    reasons.push(`Built for ${listText([...facts.architectures])} only (a platform-specific wheel); this machine is ${arch}.`);
  }

  const accelerator = machineAccelerator(machine);
  const offered = facts.accelerators.map((a) => a.accelerator);
  if (accelerator && facts.accelerators.length > 0 && !offered.includes(accelerator) && reasons.length === 0) {
    reasons.push(
      accelerator === "cpu"
        ? `Needs a GPU (${listText(offered.map(acceleratorName))}); this machine has none.`
        : `Runs on ${listText(offered.map(acceleratorName))}, not on ${acceleratorName(accelerator)}.`,
    );
  }

  const minimum = facts.minimumGpuMemoryMib;
  const need = facts.gpuMemory;
  const support: string[] = [];
  if (os && facts.supportedOs?.includes(os)) support.push(`Runs on ${osName(os)}.`);
  const hasGpu = gpuMemoryMib !== undefined && gpuMemoryMib > 0;
  if (hasGpu && typeof minimum === "number") {
    if (minimum > gpuMemoryMib) reasons.push(`Needs ${gibText(minimum)} of GPU memory; this machine has ${gibText(gpuMemoryMib)}.`);
    else support.push(`Needs ${gibText(minimum)} of GPU memory; this machine has ${gibText(gpuMemoryMib)}.`);
  } else if (hasGpu && need) {
    const amount = `${need.atLeast ? "at least" : need.kind === "estimated" ? "about" : ""} ${gibText(need.mib)}`.trim();
    const how = need.kind === "estimated" ? " (estimated)" : need.kind === "measured" ? " (measured)" : "";
    const sentence = `Needs ${amount} of GPU memory${how}; this machine has ${gibText(gpuMemoryMib)}.`;
    if (need.mib > gpuMemoryMib) reasons.push(sentence);
    else {
      support.push(sentence);
      if (need.atLeast) caveats.push("More GPU memory may be needed: part of the model's grid is not published.");
    }
  } else if (hasGpu && minimum === undefined) caveats.push("The GPU memory it needs has not been measured.");
  if (gpuMemoryMib === 0 && facts.accelerators.some((a) => a.accelerator === "cpu")) support.push("Runs on the CPU, much slower than on a GPU.");

  // Evidence about this very platform: an incompatible check excludes, a missing one is a caveat.
  if (os && arch && accelerator) {
    const here = Object.entries(facts.platforms).filter(([key]) => {
      const p = parsePlatformKey(key);
      return p.os === os && sameArch(p.arch, arch) && p.accelerator === accelerator;
    });
    const failed = here.find(([, status]) => status === "incompatible");
    if (failed && !here.some(([, status]) => status === "compatible" || status === "degraded")) reasons.push(`Checked on ${failed[0]}: incompatible.`);
    else if (here.length === 0 && reasons.length === 0) caveats.push(`Not checked yet on ${formatPlatformKey({ os, arch, accelerator })}.`);
  }
  // What is unknown matters only while nothing known excludes the entry.
  return reasons.length === 0 ? { fits: true, reasons, caveats, support } : { fits: false, reasons, caveats: [], support: [] };
}
