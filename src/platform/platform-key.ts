// The registry's platform key, os-arch-accelerator ("linux-x86_64-cuda"): how compatibility records, jobs and
// workers name a platform. The contract's pattern leaves the number of parts open; a platform something runs on
// (a job, a worker, a check) has all three.
import { platformKeyPattern } from "../contract/compatibility.ts";
import { traceDtypes, type TraceDtype } from "../contract/records/trace.ts";

export interface PlatformParts {
  os: string;
  arch: string | undefined;
  /** The rest after os and arch, hyphens included. */
  accelerator: string | undefined;
}

/** A key in the contract's pattern with os, arch and accelerator: what a job or a worker may name. */
export const runnablePlatformKeyPattern = /^[a-z0-9]+-[a-z0-9_.]+(-[a-z0-9_.]+)+$/;

export function isRunnablePlatformKey(key: string): boolean {
  return runnablePlatformKeyPattern.test(key) && platformKeyPattern.test(key);
}

/** "linux-x86_64-cuda" -> { os: "linux", arch: "x86_64", accelerator: "cuda" }; missing parts are undefined. */
export function parsePlatformKey(key: string): PlatformParts {
  const [os = key, arch, ...rest] = key.split("-");
  return { os, arch, accelerator: rest.length > 0 ? rest.join("-") : undefined };
}

/** The key of these parts, each narrowed to the characters the contract's pattern allows. */
export function formatPlatformKey(parts: { os: string; arch: string; accelerator: string }): string {
  const os = parts.os.toLowerCase().replace(/[^a-z0-9]/g, "") || "unknown";
  const rest = [parts.arch, parts.accelerator].map((p) => p.toLowerCase().replace(/[^a-z0-9_.]/g, "_") || "unknown");
  return [os, ...rest].join("-");
}

/** The key of a machine as Node or Python describe it (darwin, linux2, amd64, arm64) and the accelerator it offers. */
export function platformKeyOf(fingerprint: {
  os?: string | undefined;
  arch?: string | undefined;
  cudaAvailable?: boolean | undefined;
  mpsAvailable?: boolean | undefined;
}): string {
  const os =
    fingerprint.os === "darwin"
      ? "macos"
      : fingerprint.os?.startsWith("linux")
        ? "linux"
        : fingerprint.os === "win32"
          ? "windows"
          : (fingerprint.os ?? "unknown");
  const arch = (fingerprint.arch ?? "unknown")
    .toLowerCase()
    .replace(/^(amd64|x64)$/, "x86_64")
    .replace(/^arm64$/, os === "linux" ? "aarch64" : "arm64");
  const accelerator = fingerprint.cudaAvailable ? "cuda" : fingerprint.mpsAvailable ? "mps" : "cpu";
  return formatPlatformKey({ os, arch, accelerator });
}

export interface PlatformPlan {
  key: string;
  /** The precision of the platform's own log-run. */
  dtype: TraceDtype;
}

/** "linux-x86_64-cuda:bfloat16,linux-x86_64-cpu" -> plans; the dtype defaults to float32. */
export function parsePlatformPlans(text: string): PlatformPlan[] {
  const plans: PlatformPlan[] = [];
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key = "", dtype = "float32", ...rest] = part.split(":");
    if (!isRunnablePlatformKey(key) || rest.length > 0) throw new Error(`"${part}" is not a platform key such as linux-x86_64-cuda, optionally with :DTYPE`);
    if (!(traceDtypes as readonly string[]).includes(dtype)) throw new Error(`"${part}": the dtype must be one of ${traceDtypes.join(", ")}`);
    if (plans.some((p) => p.key === key)) throw new Error(`platform ${key} is listed twice`);
    plans.push({ key, dtype: dtype as TraceDtype });
  }
  return plans;
}
