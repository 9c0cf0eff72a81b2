// Module versions from the training provenance, in both of anemoi's forms ("x.y" or {version, source}).
// pins.ts turns them into pip requirements.
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

/** "3.11.8" -> "3.11" */
export function pythonMinor(version: string | undefined): string | undefined {
  return version ? /^(\d+\.\d+)/.exec(version)?.[1] : undefined;
}
