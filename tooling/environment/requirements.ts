// The requirement set of a checkpoint, exactly as it gives it: the training-time versions (provenance
// module_versions) of the packages its pickle imports, plus torch, pinned by the "exact" policy of
// anemoi/pins.ts. A package the pickle imports that the metadata does not list is NOT added: the checkpoint
// does not say which version, and leaving it out is what the check is meant to reveal (missing-module).
// A requirement that names code outside any package index (a git repository, a URL, a path) comes from the
// checkpoint too, and installing it runs that code's build: it is refused unless the user allows it. The
// distribution of an import package the registry knows (distributions.json) is never the checkpoint's to
// choose: its distribution_names may not redirect one (redirectedDistributions).
import known from "./distributions.json" with { type: "json" };
import { pinVersion } from "../anemoi/pins.ts";
import type { ModuleVersion } from "../anemoi/versions.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";

export interface RequirementSet {
  requirements: string[];
  notes: string[];
}

/** The distribution of each import package the registry knows (tooling/environment/distributions.json). */
export const knownDistributions: Readonly<Record<string, string>> = known.distributions;

/** A distribution name as PEP 503 compares them: lowercase, runs of "-", "_" and "." as one "-". */
export function normalizedDistribution(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, "-");
}

/** The known import package that `importName` is, lies in, or holds (a namespace such as "anemoi"), if any. */
function knownPackagesOf(importName: string): string[] {
  return Object.keys(knownDistributions).filter((known) => importName === known || importName.startsWith(`${known}.`) || known.startsWith(`${importName}.`));
}

export interface Redirect {
  /** The import name the metadata maps (or lists), and the distribution it would install for it. */
  importName: string;
  distribution: string;
  /** The known import package concerned, and its own distribution. */
  known: string;
  expected: string;
}

/**
 * Where the checkpoint's metadata would install a known import package from another distribution than its
 * own: an explicit distribution_names entry for the package or a module in it; or, for a global the pickle
 * imports from a known package, a module_versions provider whose distribution is not that package's (the
 * namespace "anemoi" listed instead of "anemoi.models", installing a project called "anemoi").
 */
export function redirectedDistributions(input: {
  modules: ReadonlyMap<string, ModuleVersion>;
  distributionNames: Readonly<Record<string, string>>;
  pickleGlobals: readonly string[];
}): Redirect[] {
  const redirects: Redirect[] = [];
  const seen = new Set<string>();
  const add = (importName: string, distribution: string, knownName: string) => {
    const expected = knownDistributions[knownName]!;
    const key = `${importName}\0${knownName}`;
    if (normalizedDistribution(distribution) === normalizedDistribution(expected) || seen.has(key)) return;
    seen.add(key);
    redirects.push({ importName, distribution, known: knownName, expected });
  };
  for (const [importName, distribution] of Object.entries(input.distributionNames)) {
    for (const knownName of knownPackagesOf(importName)) {
      // A namespace entry ("anemoi") redirects only what the pickle takes from inside it.
      if (knownName.startsWith(`${importName}.`) && !input.pickleGlobals.some((g) => g.startsWith(`${knownName}.`))) continue;
      add(importName, String(distribution), knownName);
    }
  }
  for (const global of input.pickleGlobals) {
    const provider = providerOf(global, input.modules);
    if (!provider) continue;
    for (const knownName of knownPackagesOf(provider)) {
      if (global === knownName || global.startsWith(`${knownName}.`)) add(provider, distributionOf(provider, input.distributionNames), knownName);
    }
  }
  return redirects;
}

function distributionOf(importName: string, distributionNames: Readonly<Record<string, string>>): string {
  return knownDistributions[importName] ?? distributionNames[importName] ?? importName;
}

function providerOf(global: string, modules: ReadonlyMap<string, ModuleVersion>): string | undefined {
  const parts = global.split(".");
  for (let n = parts.length - 1; n >= 1; n--) {
    const candidate = parts.slice(0, n).join(".");
    if (modules.has(candidate)) return candidate;
  }
  return undefined;
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
  for (const importName of [...needed].sort(byCodePoint)) {
    const version = input.modules.get(importName);
    // A known package's own distribution, whatever the metadata says (a redirect is refused before this runs).
    const distribution = distributionOf(importName, input.distributionNames);
    if (!version) {
      notes.push(`${distribution}: no version recorded in the metadata; required without a version`);
      requirements.push(distribution);
    } else {
      const pin = pinVersion(distribution, version, "exact", { keepLocalLabels: input.keepLocalLabels ?? false });
      requirements.push(pin.requirement);
      notes.push(...pin.notes);
    }
  }
  return { requirements, notes };
}

/** What a requirement fetches when it is not a release from a package index, or undefined when it is one. */
export function sourceKind(requirement: string): string | undefined {
  const text = requirement.trim();
  const direct = /@\s*(\S+)/.exec(text)?.[1];
  const location = direct ?? (/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : undefined);
  if (location !== undefined) {
    if (/^(git|hg|svn|bzr)\+/i.test(location)) return "a VCS requirement";
    if (/^file:/i.test(location)) return "a path requirement";
    return "a direct URL requirement";
  }
  if (/^[.~/\\]/.test(text) || /[/\\]/.test(text)) return "a path requirement";
  return undefined;
}

/**
 * Why the requirement set must not be installed, or undefined: a requirement that an installer would read as
 * an option, always; a VCS, URL or path requirement unless `allowSource`.
 */
export function refusedRequirement(requirements: readonly string[], allowSource: boolean): string | undefined {
  for (const requirement of requirements) {
    if (requirement.trim().startsWith("-")) return `the checkpoint's requirement "${requirement}" would be read as an installer option: refused`;
    const kind = sourceKind(requirement);
    if (kind && !allowSource) {
      return `refused without --allow-source-requirements: the checkpoint's requirement "${requirement}" is ${kind}, code from outside any package index`;
    }
  }
  return undefined;
}
