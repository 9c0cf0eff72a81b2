// The requirement set of a checkpoint, exactly as it gives it: the training-time versions (provenance
// module_versions) of the packages its pickle imports, plus torch. Policy, reported in the result:
// - a release pins exactly: anemoi-models==0.4.2;
// - a local label (+cu126, +rocm6.2) is dropped unless --keep-local-labels, since only the index that
//   built it serves it (then the PyTorch index is needed: --extra-index-url);
// - a git install pins the commit: anemoi-models @ git+https://...@<commit>;
// - a path install (file://) cannot be reproduced: its version is pinned, which an index may not have;
// - a package the pickle imports that the metadata does not list is NOT added: the checkpoint does not say
//   which version, and leaving it out is what the check is meant to reveal (missing-module).
import type { ModuleVersion } from "../anemoi/versions.ts";

export interface RequirementSet {
  requirements: string[];
  notes: string[];
}

/** Distribution names of common import names, for metadata without distribution_names. */
const knownDistributions: Record<string, string> = {
  "anemoi.models": "anemoi-models",
  "anemoi.graphs": "anemoi-graphs",
  "anemoi.training": "anemoi-training",
  "anemoi.utils": "anemoi-utils",
  "anemoi.datasets": "anemoi-datasets",
  "anemoi.transform": "anemoi-transform",
  flash_attn: "flash-attn",
  torch_geometric: "torch-geometric",
  PIL: "pillow",
  yaml: "pyyaml",
};

function providerOf(global: string, modules: ReadonlyMap<string, ModuleVersion>): string | undefined {
  const parts = global.split(".");
  for (let n = parts.length - 1; n >= 1; n--) {
    const candidate = parts.slice(0, n).join(".");
    if (modules.has(candidate)) return candidate;
  }
  return undefined;
}

function requirementFor(distribution: string, v: ModuleVersion, keepLocalLabels: boolean, notes: string[]): string {
  if (v.source?.startsWith("git+")) {
    notes.push(`${distribution}: installed from git at training time; pinned to that commit`);
    return `${distribution} @ ${v.source}`;
  }
  if (v.source) notes.push(`${distribution}: installed from ${v.source} at training time; pinned to its version ${v.version}, which a package index may not have`);
  const [publicVersion, local] = v.version.split("+", 2) as [string, string | undefined];
  if (local && !keepLocalLabels) {
    notes.push(`${distribution}: local label +${local} dropped (${v.version} -> ${publicVersion}); pass --keep-local-labels with an index that serves it`);
    return `${distribution}==${publicVersion}`;
  }
  return `${distribution}==${v.version}`;
}

export function requirementSet(input: {
  modules: ReadonlyMap<string, ModuleVersion>;
  distributionNames: Readonly<Record<string, string>>;
  pickleGlobals: readonly string[];
  pickleModules: readonly string[];
  keepLocalLabels?: boolean;
}): RequirementSet {
  const notes: string[] = [];
  const needed = new Set<string>(["torch"]);
  const covered = new Set<string>();
  for (const global of input.pickleGlobals) {
    const provider = providerOf(global, input.modules);
    if (provider) {
      needed.add(provider);
      covered.add(provider.split(".")[0]!);
    }
  }
  for (const top of input.pickleModules) {
    if (!covered.has(top) && !needed.has(top)) notes.push(`the pickle imports ${top}, which the metadata's module versions do not list: not installed`);
  }
  const requirements: string[] = [];
  for (const importName of [...needed].sort()) {
    const version = input.modules.get(importName);
    const distribution = input.distributionNames[importName] ?? knownDistributions[importName] ?? importName;
    if (!version) {
      notes.push(`${distribution}: no version recorded in the metadata; required without a version`);
      requirements.push(distribution);
    } else requirements.push(requirementFor(distribution, version, input.keepLocalLabels ?? false, notes));
  }
  return { requirements, notes };
}
