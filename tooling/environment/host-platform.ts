// This machine's OS and architecture as Python names them (sys.platform, platform.machine()): linux, x86_64.
export function hostPlatform(): { os: string; arch: string } {
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? (process.platform === "linux" ? "aarch64" : "arm64") : process.arch;
  return { os: process.platform, arch };
}
