// Which accelerators an entry can run on and what the evidence says about each. Compatibility keys name a
// platform as os-arch-accelerator ("linux-x86_64-cuda"); an accelerator the entry is offered on but that no
// check has covered is "not-checked", which is not the same as compatible.
import type { CompatibilityStatus } from "../contract/compatibility.ts";
import { byCodePoint } from "../text/code-point-order.ts";
import { parsePlatformKey } from "./platform-key.ts";

export const knownAccelerators = ["cuda", "mps", "cpu"] as const;
export type AcceleratorStatus = Exclude<CompatibilityStatus, "unknown"> | "not-checked";

export interface AcceleratorSupport {
  accelerator: string;
  status: AcceleratorStatus;
  /** Platform keys whose evidence gave the status. */
  platforms: string[];
}

/** What this module reads of an entry; both contract modes satisfy it. */
export interface AcceleratorFacts {
  supportedOs?: readonly string[] | undefined;
  needsCuda: boolean;
  compatibility?: Readonly<Record<string, { status: string }>> | undefined;
}

// Best first: an accelerator that passed somewhere is usable, even if another platform with it failed.
const rank: Record<string, number> = { compatible: 0, degraded: 1, incompatible: 2 };

/** The accelerators the entry's operating systems offer it on (CUDA on Linux; MPS on macOS; CPU on both). */
function offered(facts: AcceleratorFacts): Set<string> {
  const out = new Set<string>();
  for (const os of facts.supportedOs ?? []) {
    if (os === "linux") out.add("cuda");
    if (os === "macos" && !facts.needsCuda) out.add("mps");
    if (!facts.needsCuda && (os === "linux" || os === "macos")) out.add("cpu");
  }
  return out;
}

export function acceleratorSupport(facts: AcceleratorFacts): AcceleratorSupport[] {
  const byAccelerator = new Map<string, AcceleratorSupport>();
  for (const accelerator of offered(facts)) byAccelerator.set(accelerator, { accelerator, status: "not-checked", platforms: [] });
  for (const [key, record] of Object.entries(facts.compatibility ?? {}).sort(([a], [b]) => byCodePoint(a, b))) {
    const accelerator = parsePlatformKey(key).accelerator;
    if (!accelerator || !(record.status in rank)) continue;
    const seen = byAccelerator.get(accelerator);
    const status = record.status as AcceleratorStatus;
    if (!seen || seen.status === "not-checked" || rank[status]! < rank[seen.status]!) byAccelerator.set(accelerator, { accelerator, status, platforms: [key] });
    else if (seen.status === status) seen.platforms.push(key);
  }
  const order = (a: string) => {
    const i = (knownAccelerators as readonly string[]).indexOf(a);
    return i === -1 ? knownAccelerators.length : i;
  };
  return [...byAccelerator.values()].sort((a, b) => order(a.accelerator) - order(b.accelerator) || byCodePoint(a.accelerator, b.accelerator));
}

const names: Record<string, string> = { cuda: "CUDA", mps: "MPS", cpu: "CPU", rocm: "ROCm" };

/** "CUDA" for cuda; other accelerators as written. */
export function acceleratorName(accelerator: string): string {
  return names[accelerator] ?? accelerator;
}

const statusWords: Record<AcceleratorStatus, string> = {
  compatible: "checked, compatible",
  degraded: "checked, degraded",
  incompatible: "checked, incompatible",
  "not-checked": "not checked yet",
};

export function acceleratorStatusWords(status: AcceleratorStatus): string {
  return statusWords[status];
}

/** Accelerators grouped by status, for a short line: [{status: "not-checked", names: ["CUDA", "MPS", "CPU"]}]. */
export function acceleratorsByStatus(support: readonly AcceleratorSupport[]): Array<{ status: AcceleratorStatus; names: string[] }> {
  const groups = new Map<AcceleratorStatus, string[]>();
  for (const a of support) groups.set(a.status, [...(groups.get(a.status) ?? []), acceleratorName(a.accelerator)]);
  return [...groups].map(([status, names]) => ({ status, names }));
}
