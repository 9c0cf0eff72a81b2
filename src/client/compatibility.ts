// Whether an entry can run on a host, in the shape of FIAB's is_locally_compatible /
// local_compatibility_detail. It is the catalog's "fits my machine" rule (src/platform), plus the host's
// Python version, which a client knows and the catalog does not. The Python client ports the same rule;
// both are tested against tests/fixtures/compatibility-cases.json, so they give the same sentences.
import { acceleratorSupport } from "../platform/accelerators.ts";
import { machineFit, type Fit, type FitFacts, type Machine } from "../platform/machine-fit.ts";
import { wheelRestrictions } from "../platform/wheel-tags.ts";
import { byCodePoint } from "../text/code-point-order.ts";

export interface Host {
  /** "linux", "macos", or another lowercase name. */
  os?: string | undefined;
  /** "x86_64" or "aarch64" (Apple silicon included). */
  arch?: string | undefined;
  /** Python minor version, e.g. "3.12". */
  python?: string | undefined;
  /** The largest GPU's memory in MiB (on macOS the unified memory); 0 for none; undefined when unknown. */
  gpuMemoryMib?: number | undefined;
}

/** What compatibility reads of an entry; a consumed entry satisfies it. */
export interface CompatibilityInput {
  infrastructure?:
    { supportedOs?: readonly string[] | undefined; architectures?: readonly string[] | undefined; minimumGpuMemoryMib?: number | null | undefined } | undefined;
  requirements?: { pythonVersions?: readonly string[] | undefined; pipConstraints?: readonly string[] | undefined } | undefined;
  compatibility?: Readonly<Record<string, { status: string }>> | undefined;
  pickle?: { modules: readonly string[] } | undefined;
}

export interface Compatibility {
  compatible: boolean;
  /** Why not, in sentences; null when compatible. */
  detail: string | null;
  reasons: string[];
  /** What is not known yet and might still exclude it (only while nothing known does). */
  caveats: string[];
}

const listText = (values: readonly string[]) => (values.length <= 1 ? (values[0] ?? "") : `${values.slice(0, -1).join(", ")} and ${values.at(-1)}`);

/** The fit facts the catalog derives per entry (src/site/catalog-item.ts), from a consumed entry. */
export function fitFacts(entry: CompatibilityInput): FitFacts & { pythonVersions?: readonly string[] | undefined } {
  const wheels = wheelRestrictions(entry.requirements?.pipConstraints ?? []);
  const architectures = entry.infrastructure?.architectures ?? wheels.architectures;
  const needsCuda = wheels.needsCuda || (entry.pickle?.modules.includes("flash_attn") ?? false);
  const supportedOs = entry.infrastructure?.supportedOs;
  const gpu = entry.infrastructure?.minimumGpuMemoryMib;
  return {
    ...(supportedOs ? { supportedOs } : {}),
    ...(architectures ? { architectures } : {}),
    ...(gpu !== undefined ? { minimumGpuMemoryMib: gpu } : {}),
    accelerators: acceleratorSupport({ supportedOs, needsCuda, compatibility: entry.compatibility }),
    // In key order, as the catalog embeds them: the first incompatible platform is the one named.
    platforms: Object.fromEntries(
      Object.entries(entry.compatibility ?? {})
        .map(([key, record]) => [key, record.status])
        .sort(([a], [b]) => byCodePoint(a!, b!)),
    ),
    pythonVersions: entry.requirements?.pythonVersions ?? wheels.pythonVersions,
  };
}

export function compatibility(entry: CompatibilityInput, host: Host): Compatibility {
  const facts = fitFacts(entry);
  const fit: Fit = machineFit(facts, { os: host.os as Machine["os"], arch: host.arch as Machine["arch"], gpuMemoryMib: host.gpuMemoryMib });
  const reasons = [...fit.reasons];
  const versions = facts.pythonVersions;
  if (host.python && versions && versions.length > 0 && !versions.includes(host.python)) {
    reasons.push(`Installs on Python ${listText(versions)} only (a version-specific wheel); this machine has Python ${host.python}.`);
  }
  return reasons.length === 0
    ? { compatible: true, detail: null, reasons, caveats: fit.caveats }
    : { compatible: false, detail: reasons.join(" "), reasons, caveats: [] };
}
