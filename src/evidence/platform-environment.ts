// The os and arch of a platform key ("linux-x86_64-cuda"), for evidence the host records about a platform
// without a fingerprint of its own (a refusal, a failed run).
import { parsePlatformKey } from "../platform/platform-key.ts";

export function platformEnvironment(key: string): { os: string; arch: string } {
  const { os, arch = "" } = parsePlatformKey(key);
  return { os, arch };
}
