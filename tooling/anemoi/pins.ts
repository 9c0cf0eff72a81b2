// Turning a training-time module version into a pip requirement. Two policies, side by side because they
// answer two questions about the same version:
// - "fiab" (FIAB's pip constraints, what a job installs): a release or post-release pins exactly (==); a
//   local label (+cu126, +rocm6.2) is dropped, since the indexes FIAB installs from do not serve it; a dev
//   version, a git or path install, or a version with a git hash becomes ">=" its release.
// - "exact" (verify-unpickling, does the checkpoint load with exactly what it says): a release pins exactly;
//   a local label is dropped unless kept on request (then the index that built it is needed); a git install
//   pins its commit; a path install pins its version, which an index may not have.
import { describeVersion, type ModuleVersion } from "./versions.ts";

export type PinPolicy = "fiab" | "exact";

export interface Pin {
  requirement: string;
  /** How the version was turned into the requirement, when it was not a plain release. */
  notes: string[];
}

const release = /^(\d+(?:\.\d+)*)/;

function fiabPin(distribution: string, v: ModuleVersion): Pin {
  const [publicVersion, local] = v.version.split("+", 2) as [string, string | undefined];
  const base = release.exec(publicVersion)?.[1];
  if (!base) return { requirement: distribution, notes: [`${distribution}: version "${v.version}" is not a PEP 440 version; left unpinned`] };
  if (v.source || /\.dev|a\d|b\d|rc\d/.test(publicVersion) || (local && /^g[0-9a-f]+/.test(local))) {
    return { requirement: `${distribution}>=${base}`, notes: [`${distribution} ${describeVersion(v)} was not a release; required as >=${base}`] };
  }
  if (local) return { requirement: `${distribution}==${publicVersion}`, notes: [`${distribution} ${v.version}: local label +${local} dropped`] };
  return { requirement: `${distribution}==${publicVersion}`, notes: [] };
}

function exactPin(distribution: string, v: ModuleVersion, keepLocalLabels: boolean): Pin {
  if (v.source?.startsWith("git+"))
    return { requirement: `${distribution} @ ${v.source}`, notes: [`${distribution}: installed from git at training time; pinned to that commit`] };
  const notes = v.source
    ? [`${distribution}: installed from ${v.source} at training time; pinned to its version ${v.version}, which a package index may not have`]
    : [];
  const [publicVersion, local] = v.version.split("+", 2) as [string, string | undefined];
  if (local && !keepLocalLabels) {
    notes.push(`${distribution}: local label +${local} dropped (${v.version} -> ${publicVersion}); pass --keep-local-labels with an index that serves it`);
    return { requirement: `${distribution}==${publicVersion}`, notes };
  }
  return { requirement: `${distribution}==${v.version}`, notes };
}

export function pinVersion(distribution: string, v: ModuleVersion, policy: PinPolicy, options: { keepLocalLabels?: boolean } = {}): Pin {
  return policy === "fiab" ? fiabPin(distribution, v) : exactPin(distribution, v, options.keepLocalLabels ?? false);
}
