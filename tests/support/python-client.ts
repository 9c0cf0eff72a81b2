// The Python client's tests run with Debian's python3 and python3-cryptography (.ci/run installs them); here
// is whether they can, and the command that runs them.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { repoRoot } from "./helpers.ts";

export const clientPython = process.env.FIAB_CLIENT_PYTHON ?? "/usr/bin/python3";
export const clientRoot = join(repoRoot, "clients", "python");

/** Why the Python client cannot be tested here, or undefined when it can. Under CI, a reason is an error. */
export async function pythonClientUnavailable(): Promise<string | undefined> {
  const reason = !existsSync(clientPython)
    ? `${clientPython} is missing (apt-get install python3)`
    : (await execa(clientPython, ["-c", "import sys, cryptography; assert sys.version_info >= (3, 10)"], { reject: false })).exitCode !== 0
      ? `${clientPython} is older than 3.10 or cannot import cryptography (apt-get install python3-cryptography)`
      : undefined;
  if (reason && process.env.CI) throw new Error(`CI must run the Python client's tests: ${reason}`);
  if (reason) console.warn(`skipping the Python client's tests: ${reason}`);
  return reason;
}
