// The platform key of the host a worker runs on: OS, CPU architecture and accelerator, as the evidence of its
// jobs will name it. CUDA is taken as present when nvidia-smi lists a GPU, MPS on Apple silicon; torch in the
// job's own environment decides in the end (a result's platform must match the job's, or it is refused).
import { execFileSync } from "node:child_process";
import { arch, platform } from "node:os";
import { parsePlatformKey, platformKeyOf } from "../../src/platform/platform-key.ts";

function hasNvidiaGpu(): boolean {
  try {
    return /^GPU \d+:/m.test(execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return false;
  }
}

export function detectPlatform(): string {
  const os = platform();
  const cpu = arch();
  return platformKeyOf({ os, arch: cpu, cudaAvailable: os === "linux" && hasNvidiaGpu(), mpsAvailable: os === "darwin" && cpu === "arm64" });
}

/** The device log-run uses for a platform key's accelerator. */
export function deviceOf(key: string): "cpu" | "cuda" | "mps" {
  const { accelerator } = parsePlatformKey(key);
  return accelerator === "cuda" || accelerator === "mps" ? accelerator : "cpu";
}
