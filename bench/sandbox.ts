// `node bench/sandbox.ts [--runs N]`: what bubblewrap costs verify-unpickling. The same real tiny checkpoint
// (Debian's torch) is loaded through runHarness, as the command loads it, with the sandbox and without
// (--no-sandbox), alternating in one process so both see the same machine state; the median of N runs each
// and their ratio are printed as a Markdown table row. A second row isolates the sandbox's own start-up
// (`true` through runSandboxed), since the load itself is dominated by importing torch.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEnvironment, installRequirements } from "../tooling/environment/python-env.ts";
import { runHarness, stepAnswer } from "../tooling/environment/run-script.ts";
import { defaultMemoryLimitMiB, findBubblewrap, runSandboxed } from "../tooling/environment/sandbox.ts";
import { allowlistWith } from "../tooling/pickle/allowlist.ts";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable } from "../tests/support/python-fixtures.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "9" } }, strict: true });
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1 || runs > 1000) {
  process.stderr.write(`--runs must be a whole number from 1 to 1000, got "${values.runs}"\n`);
  process.exit(2);
}

const why =
  (await torchUnavailable()) ?? (typeof (await findBubblewrap()) === "object" ? undefined : "bubblewrap cannot run here (apt-get install bubblewrap)");
if (why) {
  process.stdout.write(`| sandbox | not measured: ${why} |\n`);
  process.exit(0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median seconds of `runs` calls of `once(sandbox)` for each setting, the two interleaved. */
async function compare(once: (sandbox: boolean) => Promise<void>): Promise<{ plain: number; sandboxed: number }> {
  const times = { plain: [] as number[], sandboxed: [] as number[] };
  await once(true); // warm the page cache for both
  for (let i = 0; i < runs; i++) {
    for (const sandbox of i % 2 ? [true, false] : [false, true]) {
      const started = performance.now();
      await once(sandbox);
      (sandbox ? times.sandboxed : times.plain).push((performance.now() - started) / 1000);
    }
  }
  return { plain: median(times.plain), sandboxed: median(times.sandboxed) };
}

const dir = await mkdtemp(join(tmpdir(), "bench-sandbox-"));
try {
  const models = await buildTinyModels(dir);
  const checkpoint = await makeCheckpoint(models, join(dir, "tiny.ckpt"), "tiny_models.TinyNet");
  const env = await createEnvironment({ python: torchPython, systemSitePackages: true, keep: false });
  try {
    const install = await installRequirements(
      env,
      ["registry-tiny-models==0.1.0"],
      { extraIndexUrls: [], findLinks: [models.wheelhouse], offline: true },
      { timeoutMs: 300_000, sandbox: true, allowBuilds: false },
    );
    if (!install.ok) throw new Error(`installing the tiny models failed: ${install.reason}`);
    const load = await compare(async (sandbox) => {
      const { run, report } = await runHarness(
        env,
        { checkpoint, allowlist: allowlistWith(["tiny_models"]) },
        [{ name: "load", script: "verify_unpickling.py", args: ["load"] }],
        { timeoutMs: 120_000, memoryLimitMiB: defaultMemoryLimitMiB, sandbox, readOnly: [checkpoint] },
      );
      const status = stepAnswer(report?.stages[0])?.status;
      if (status !== "ok") throw new Error(`the load did not succeed (${String(status ?? `exit ${run.exitCode}`)}): ${run.stderr.slice(-2000)}`);
    });
    const start = await compare(async (sandbox) => {
      const run = await runSandboxed(["/bin/true"], { sandbox, timeoutMs: 60_000, memoryLimitMiB: defaultMemoryLimitMiB, readOnly: [], writable: [] });
      if (run.exitCode !== 0) throw new Error(`true failed: ${run.stderr}`);
    });
    const row = (label: string, r: { plain: number; sandboxed: number }, unit: "s" | "ms") => {
      const f = (s: number) => (unit === "s" ? s.toFixed(2) : (s * 1000).toFixed(1));
      return `| ${label} (${unit}, median of ${runs}) | ${f(r.plain)} | ${f(r.sandboxed)} | ${(r.sandboxed / r.plain).toFixed(2)}x |`;
    };
    process.stdout.write(
      [
        "| sandbox | process group (--no-sandbox) | bubblewrap | ratio |",
        "| --- | ---: | ---: | ---: |",
        row("verify_unpickling.py load on a tiny checkpoint through runHarness", load, "s"),
        row("`true` through runSandboxed (the sandbox's own start-up, with its harness)", start, "ms"),
      ].join("\n") + "\n",
    );
  } finally {
    await env.dispose();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
