// Module versions from the training provenance, in both of anemoi's forms ("x.y" or {version, source}),
// and the pip constraints FIAB installs, derived from them by a documented policy.
import { obj, str, type Json } from "./json-access.ts";

export interface ModuleVersion {
  version: string;
  /** Where a git or path install came from, e.g. "git+https://github.com/ecmwf/anemoi-core.git@<commit>". */
  source?: string;
}

export function readModuleVersions(value: Json): Map<string, ModuleVersion> {
  const out = new Map<string, ModuleVersion>();
  for (const [name, raw] of Object.entries(obj(value) ?? {})) {
    if (typeof raw === "string") out.set(name, { version: raw });
    const form = obj(raw);
    const version = str(form?.version);
    if (!form || !version) continue;
    const src = obj(form.source);
    const url = str(src?.url);
    const commit = str(obj(src?.vcs_info)?.commit_id);
    const vcs = str(obj(src?.vcs_info)?.vcs);
    const source = url ? (vcs ? `${vcs}+${url}${commit ? `@${commit}` : ""}` : url) : undefined;
    out.set(name, source ? { version, source } : { version });
  }
  return out;
}

/** "0.13.0.post15 @ file:///..." keeps git and path installs visible in the entry. */
export function describeVersion(v: ModuleVersion): string {
  return v.source ? `${v.version} @ ${v.source}` : v.version;
}

/** The modules FIAB pins, by import name, with the distribution name pip knows them by. */
export const pinnedModules: ReadonlyArray<[importName: string, distribution: string]> = [
  ["anemoi.models", "anemoi-models"],
  ["anemoi.graphs", "anemoi-graphs"],
  ["torch", "torch"],
  ["torch_geometric", "torch_geometric"],
];

const release = /^(\d+(?:\.\d+)*)/;

/**
 * The pip requirement for a module version. Policy (README, "Pinning policy"):
 * a release or post-release pins exactly (==); a local label (+cu126, +rocm6.2) is dropped, since the
 * package indexes FIAB installs from do not serve it; a dev version, a git/path install or a version with a
 * git hash cannot be installed by version, so it becomes ">=" its release.
 */
export function pipRequirement(distribution: string, v: ModuleVersion): { requirement: string; note?: string } {
  const [public_, local] = v.version.split("+", 2) as [string, string | undefined];
  const base = release.exec(public_)?.[1];
  if (!base) return { requirement: distribution, note: `${distribution}: version "${v.version}" is not a PEP 440 version; left unpinned` };
  if (v.source || /\.dev|a\d|b\d|rc\d/.test(public_) || (local && /^g[0-9a-f]+/.test(local))) {
    return { requirement: `${distribution}>=${base}`, note: `${distribution} ${describeVersion(v)} was not a release; required as >=${base}` };
  }
  if (local) return { requirement: `${distribution}==${public_}`, note: `${distribution} ${v.version}: local label +${local} dropped` };
  return { requirement: `${distribution}==${public_}` };
}

/** "3.11.8" -> "3.11" */
export function pythonMinor(version: string | undefined): string | undefined {
  return version ? /^(\d+\.\d+)/.exec(version)?.[1] : undefined;
}
