// The Python client's unittest suite (clients/python/tests), run by `npm test`: each Python test becomes a
// vitest test that fails with that test's traceback; the run as a whole must also succeed.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { clientPython, clientRoot, pythonClientUnavailable } from "../support/python-client.ts";

interface PythonResult {
  id: string;
  status: string;
  detail: string;
}

/** Reads `python -m unittest -v` output: one "name (id) ... status" line per test, then the failures' tracebacks. */
function parseUnittest(output: string): PythonResult[] {
  const lines = output.split("\n");
  const results: PythonResult[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^(test\w*) \(([\w.]+)\)/.exec(lines[i]!);
    if (!head) continue;
    const id = head[2]!.endsWith(`.${head[1]}`) ? head[2]! : `${head[2]}.${head[1]}`;
    // A docstring or a warning may stand between the name and the status.
    let status: string | undefined;
    for (let j = i; j < lines.length && j < i + 20 && status === undefined; j++) {
      status =
        / \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$/.exec(lines[j]!)?.[1] ??
        (j > i ? /^(ok|FAIL|ERROR|skipped.*)$/.exec(lines[j]!)?.[1] : undefined);
    }
    results.push({ id, status: status ?? "no status", detail: "" });
  }
  for (const block of output.split(/^={50,}$/m).slice(1)) {
    const m = /^(?:FAIL|ERROR): (test\w*) \(([\w.]+)\)/m.exec(block);
    if (!m) continue;
    const id = m[2]!.endsWith(`.${m[1]}`) ? m[2]! : `${m[2]}.${m[1]}`;
    const result = results.find((r) => r.id === id);
    if (result) result.detail += block.split(/^-{50,}\nRan /m)[0];
  }
  return results;
}

const unavailable = await pythonClientUnavailable();
const run = unavailable
  ? undefined
  : await execa(clientPython, ["-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"], {
      cwd: clientRoot,
      reject: false,
      all: true,
      timeout: 180_000,
      env: { PYTHONDONTWRITEBYTECODE: "1" },
    });
const results = run ? parseUnittest(run.all ?? "") : [];

describe.skipIf(unavailable !== undefined)("Python client (clients/python)", () => {
  it("the unittest run succeeds and ran the tests", () => {
    expect(results.length, run?.all).toBeGreaterThanOrEqual(40);
    expect(run?.exitCode, run?.all).toBe(0);
  });

  for (const result of results) {
    const test = result.status.startsWith("skipped") && !process.env.CI ? it.skip : it;
    test(result.id.replace(/^tests\./, ""), () => {
      expect(result.status, result.detail || run?.all).toBe("ok");
    });
  }
});
