// What the browser tells about the machine it runs on: the operating system and the CPU architecture
// (Chromium's client hints when offered, else the platform string). GPU memory no browser tells.
import type { Machine } from "../platform/machine-fit.ts";

interface UserAgentData {
  platform?: string;
  getHighEntropyValues?(hints: string[]): Promise<{ architecture?: string; bitness?: string; platform?: string }>;
}

function osFrom(text: string): Machine["os"] {
  if (/mac/i.test(text) && !/iphone|ipad/i.test(text)) return "macos";
  if (/linux/i.test(text) && !/android/i.test(text)) return "linux";
  return undefined;
}

function archFrom(text: string): Machine["arch"] {
  if (/aarch64|arm64|^arm/i.test(text)) return "aarch64";
  if (/x86_64|x64|amd64|x86|intel/i.test(text)) return "x86_64";
  return undefined;
}

export async function detectMachine(): Promise<Pick<Machine, "os" | "arch">> {
  const data = (navigator as Navigator & { userAgentData?: UserAgentData }).userAgentData;
  let os = osFrom(data?.platform ?? navigator.platform ?? "");
  let arch: Machine["arch"];
  try {
    const high = await data?.getHighEntropyValues?.(["architecture", "bitness"]);
    if (high?.architecture) arch = archFrom(high.architecture);
  } catch {
    // Client hints refused: fall back to the platform string.
  }
  arch ??= archFrom(navigator.platform ?? "");
  // Safari on Apple silicon still says "MacIntel"; every Mac sold since 2023 is aarch64, but we do not guess.
  if (os === "macos" && arch === "x86_64" && !data) arch = undefined;
  os ??= osFrom(navigator.userAgent);
  return { os, arch };
}
