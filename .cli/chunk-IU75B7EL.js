import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// tooling/verify/platform-key.ts
function platformKey(fingerprint) {
  const os = fingerprint.os === "darwin" ? "macos" : fingerprint.os?.startsWith("linux") ? "linux" : fingerprint.os === "win32" ? "windows" : fingerprint.os ?? "unknown";
  const arch = (fingerprint.arch ?? "unknown").toLowerCase().replace(/^(amd64|x64)$/, "x86_64").replace(/^arm64$/, os === "linux" ? "aarch64" : "arm64");
  const accelerator = fingerprint.cudaAvailable ? "cuda" : fingerprint.mpsAvailable ? "mps" : "cpu";
  return `${os}-${arch}-${accelerator}`.replace(/[^a-z0-9_.-]/g, "_");
}

export {
  platformKey
};
