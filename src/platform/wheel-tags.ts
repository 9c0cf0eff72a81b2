// What platform-specific wheels in a list of pip requirements restrict: the CPU architectures, operating
// systems and Python versions they install on, and whether they were built for CUDA. A requirement without a
// wheel (a name and a version) restricts nothing: pip picks a wheel for the machine it runs on.
import type { CpuArchitecture } from "../contract/infrastructure.ts";
import { byCodePoint } from "../text/code-point-order.ts";

export interface WheelRestrictions {
  architectures?: CpuArchitecture[];
  operatingSystems?: Array<"linux" | "macos">;
  pythonVersions?: string[];
  /** A wheel built against CUDA (a "+cu12" style label) or flash-attn, which only runs on CUDA. */
  needsCuda: boolean;
  /** The wheel file names that restrict, for saying why. */
  wheels: string[];
}

interface WheelTags {
  file: string;
  distribution: string;
  version: string;
  python: string[];
  platforms: string[];
}

// name-version(-build)?-python-abi-platform.whl, each tag possibly a dot-joined set (PEP 425 / 427).
const wheelName = /^([A-Za-z0-9_.]+)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/;

function wheelFile(requirement: string): string | undefined {
  const text = requirement.trim();
  const at = text.includes(" @ ") ? text.slice(text.indexOf(" @ ") + 3).trim() : text;
  const file = decodeURIComponent(at.split(/[?#]/)[0]!.split("/").pop() ?? "");
  return file.endsWith(".whl") ? file : undefined;
}

function parseWheel(requirement: string): WheelTags | undefined {
  const file = wheelFile(requirement);
  const m = file ? wheelName.exec(file) : null;
  if (!file || !m) return undefined;
  return { file, distribution: m[1]!, version: m[2]!, python: m[3]!.split("."), platforms: m[5]!.split(".") };
}

function architectureOf(platform: string): CpuArchitecture | "any" | undefined {
  if (platform === "any") return "any";
  if (/(x86_64|amd64)$/.test(platform)) return "x86_64";
  if (/(aarch64|arm64)$/.test(platform)) return "aarch64";
  if (/universal2$/.test(platform)) return "any";
  return undefined;
}

function osOf(platform: string): "linux" | "macos" | "any" | undefined {
  if (platform === "any") return "any";
  if (/^(many|musl)?linux/.test(platform)) return "linux";
  if (/^macosx/.test(platform)) return "macos";
  return undefined;
}

function pythonVersionOf(tag: string): string | "any" | undefined {
  const m = /^(?:cp|pp)(\d)(\d+)$/.exec(tag);
  if (m) return `${m[1]}.${m[2]}`;
  if (/^py\d*$/.test(tag)) return "any";
  return undefined;
}

/** The values every restricting wheel allows (each wheel's set intersected); undefined when none restricts. */
function intersect<T extends string>(sets: ReadonlyArray<ReadonlySet<T | "any">>): T[] | undefined {
  let result: Set<T> | undefined;
  for (const set of sets) {
    if (set.has("any") || set.size === 0) continue;
    const values = new Set([...set] as T[]);
    result = result ? new Set([...result].filter((v) => values.has(v))) : values;
  }
  return result ? [...result].sort(byCodePoint) : undefined;
}

const setOf = <T>(values: ReadonlyArray<T | undefined>): Set<T> => new Set(values.filter((v): v is T => v !== undefined));

export function wheelRestrictions(requirements: readonly string[]): WheelRestrictions {
  const wheels = requirements.flatMap((r) => parseWheel(r) ?? []);
  const restricting = wheels.filter((w) => w.platforms.some((p) => p !== "any") || w.python.some((t) => pythonVersionOf(t) !== "any"));
  const architectures = intersect(restricting.map((w) => setOf(w.platforms.map(architectureOf))));
  const operatingSystems = intersect(restricting.map((w) => setOf(w.platforms.map(osOf))));
  const pythonVersions = intersect(restricting.map((w) => setOf(w.python.map(pythonVersionOf))));
  const needsCuda =
    wheels.some((w) => /\+cu\d+/.test(w.version) || /^flash_attn$/i.test(w.distribution)) || requirements.some((r) => /^flash[-_]attn\b/i.test(r.trim()));
  return {
    ...(architectures ? { architectures } : {}),
    ...(operatingSystems ? { operatingSystems } : {}),
    ...(pythonVersions ? { pythonVersions } : {}),
    needsCuda,
    wheels: restricting.map((w) => w.file),
  };
}
