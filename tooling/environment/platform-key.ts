// The registry's platform key for where a check ran: os-arch-accelerator.
export function platformKey(fingerprint: { os?: string | undefined; arch?: string | undefined; cudaAvailable?: boolean | undefined; mpsAvailable?: boolean | undefined }): string {
  const os = fingerprint.os === "darwin" ? "macos" : fingerprint.os?.startsWith("linux") ? "linux" : fingerprint.os === "win32" ? "windows" : (fingerprint.os ?? "unknown");
  const arch = (fingerprint.arch ?? "unknown").toLowerCase().replace(/^(amd64|x64)$/, "x86_64").replace(/^arm64$/, os === "linux" ? "aarch64" : "arm64");
  const accelerator = fingerprint.cudaAvailable ? "cuda" : fingerprint.mpsAvailable ? "mps" : "cpu";
  return `${os}-${arch}-${accelerator}`.replace(/[^a-z0-9_.-]/g, "_");
}

/** This machine's OS and architecture as Python names them (sys.platform, platform.machine()): linux, x86_64. */
export function hostPlatform(): { os: string; arch: string } {
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? (process.platform === "linux" ? "aarch64" : "arm64") : process.arch;
  return { os: process.platform, arch };
}
