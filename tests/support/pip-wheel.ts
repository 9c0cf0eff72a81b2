// The wheel of the test package tiny_models (tests/fixtures/python/tiny-models), built by the system pip: offline,
// without its dependencies or a build environment, and without writing to the user's pip cache.
import { execa } from "execa";
import { torchPython } from "./torch-python.ts";

/** `pip wheel` of the package source `source` into `wheelhouse`; `reject: false` returns a failure instead of throwing. */
export function pipWheel(source: string, wheelhouse: string, { cwd, reject = true }: { cwd: string; reject?: boolean }) {
  return execa(
    torchPython,
    ["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check", "--no-cache-dir", "-w", wheelhouse, source],
    { cwd, reject },
  );
}
