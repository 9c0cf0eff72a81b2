import { comparisonResult } from "../../src/contract/index.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { CliError, defineCommand } from "../cli/command.ts";
import { compareTraces, IncomparableTracesError } from "../traces/compare.ts";
import { htmlReport } from "../traces/html-report.ts";
import { readTrace, TraceError } from "../traces/read-trace.ts";
import { defaultProfile, profiles, type Tolerance } from "../traces/tolerance.ts";

export default defineCommand({
  name: "compare-runs",
  summary: "Compare two log-run traces of one checkpoint and input: per-module divergence and a verdict.",
  description:
    "Aligns module calls by name and call order and compares each output of B (candidate) with A (reference):\nmax and mean absolute error, max relative error, relative L2, cosine similarity, share outside tolerance,\nNaN/Inf mismatches, the first diverging module and the error each module adds. Tolerances default to the\nlooser dtype's torch.testing.assert_close profile. Verdict: equivalent, within-tolerance or divergent.\nExits 0 unless divergent.",
  positionals: [
    { name: "traceA", description: "reference trace folder" },
    { name: "traceB", description: "candidate trace folder" },
  ],
  options: {
    profile: { type: "string", valueName: "DTYPE", description: `tolerance profile: ${Object.keys(profiles).join(", ")} (default: the looser of the two runs)` },
    rtol: { type: "string", valueName: "R", description: "relative tolerance (overrides the profile's)" },
    atol: { type: "string", valueName: "A", description: "absolute tolerance (overrides the profile's)" },
    json: { type: "string", valueName: "FILE", description: "write the result record (for update-metadata) to FILE" },
    html: { type: "string", valueName: "FILE", description: "write a self-contained HTML report to FILE" },
  },
  examples: ["npm run -s registry -- compare-runs traces/cpu-f64 traces/cuda-f32 --json result.json --html report.html"],
  async run({ options, positionals, out, log }) {
    const [dirA, dirB] = positionals as [string, string];
    try {
      const [a, b] = await Promise.all([readTrace(dirA), readTrace(dirB)]);
      let tolerance: Tolerance = options.profile ? profiles[options.profile as string]! : defaultProfile(a.index.input.dtype, b.index.input.dtype);
      if (!tolerance) throw new CliError(`--profile must be one of ${Object.keys(profiles).join(", ")}, got "${String(options.profile)}"`, 2);
      for (const key of ["rtol", "atol"] as const) {
        if (options[key] === undefined) continue;
        const value = Number(options[key]);
        if (!(value >= 0)) throw new CliError(`--${key} must be a non-negative number, got "${String(options[key])}"`, 2);
        tolerance = { ...tolerance, name: "custom", [key]: value };
      }
      const result = comparisonResult.parse(compareTraces(a, b, tolerance));
      if (options.json) await writeFileAtomic(options.json as string, formatJson(result));
      if (options.html) await writeFileAtomic(options.html as string, htmlReport(result));
      const lines = [`verdict: ${result.verdict}`, result.summary];
      for (const m of result.modules) lines.push(`${String(m.index).padStart(4)} ${m.verdict.padEnd(16)} ${`${m.name}${m.output ? `[${m.output}]` : ""}`.padEnd(40)} max abs ${m.metrics.maxAbs === null ? "–" : m.metrics.maxAbs.toExponential(2)}${m.metrics.nanMismatches ? ` NaN ${m.metrics.nanMismatches}` : ""}`);
      out(lines.join("\n"));
      if (result.unaligned.length) log(`compare-runs: ${result.unaligned.length} module calls are in only one trace`);
      return result.verdict === "divergent" ? 1 : 0;
    } catch (error) {
      if (error instanceof TraceError || error instanceof IncomparableTracesError) throw new CliError(error.message);
      throw error;
    }
  },
});
