import { comparisonResult } from "../../src/contract/records/comparison.ts";
import { traceDtypes } from "../../src/contract/records/trace.ts";
import { writeFileAtomic } from "../../src/files/atomic-write.ts";
import { formatJson } from "../../src/files/json-text.ts";
import { defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";
import { compareTraces } from "../traces/compare.ts";
import { htmlReport } from "../traces/html-report.ts";
import { readTrace } from "../traces/read-trace.ts";
import { defaultProfile, profiles, type Tolerance } from "../traces/tolerance.ts";

export default defineCommand({
  description:
    "Aligns module calls by name and call order and compares each output of B (candidate) with A (reference):\nmax and mean absolute error, max relative error, relative L2, cosine similarity, share outside tolerance,\nNaN/Inf mismatches, the first diverging module and the error each module adds. By default each output's\nrelative L2 error is judged against what the two runs' precision allows (dtype, recorded TF32/matmul/autocast\nsettings, the error inherited from the module's input; docs/traces.md); --elementwise, --profile, --rtol or\n--atol judge every element by torch.testing.assert_close's rtol/atol instead. Verdict: equivalent,\nwithin-tolerance or divergent. Exits 0 unless divergent.",
  positionals: [
    { name: "traceA", description: "reference trace folder" },
    { name: "traceB", description: "candidate trace folder" },
  ],
  options: {
    elementwise: { type: "boolean", description: "judge elements by rtol/atol (the looser dtype's profile) instead of the precision budget" },
    profile: {
      type: "string",
      choices: traceDtypes,
      description: "tolerance profile of --elementwise (default: the looser of the two runs); implies --elementwise",
    },
    rtol: { type: "number", accept: "non-negative", valueName: "R", description: "relative tolerance (overrides the profile's); implies --elementwise" },
    atol: { type: "number", accept: "non-negative", valueName: "A", description: "absolute tolerance (overrides the profile's); implies --elementwise" },
    out: { type: "string", valueName: "FILE", description: "write the result record (for update-metadata) to FILE" },
    html: { type: "string", valueName: "FILE", description: "write a self-contained HTML report to FILE" },
    json: { ...jsonOption, description: "print the result record instead of the module table" },
  },
  examples: ["npm run -s registry -- compare-runs traces/cpu-f64 traces/cuda-f32 --out result.json --html report.html"],
  async run({ options, args, out, log }) {
    const [a, b] = await Promise.all([readTrace(args.traceA), readTrace(args.traceB)]);
    let tolerance: Tolerance = options.profile ? profiles[options.profile] : defaultProfile(a.index.input.dtype, b.index.input.dtype);
    if (options.rtol !== undefined) tolerance = { ...tolerance, name: "custom", rtol: options.rtol };
    if (options.atol !== undefined) tolerance = { ...tolerance, name: "custom", atol: options.atol };
    const elementwise = options.elementwise || options.profile !== undefined || options.rtol !== undefined || options.atol !== undefined;
    const result = comparisonResult.parse(compareTraces(a, b, tolerance, elementwise ? "elementwise" : "precision"));
    if (options.out) await writeFileAtomic(options.out, formatJson(result));
    if (options.html) await writeFileAtomic(options.html, htmlReport(result));
    if (options.json) out(formatJson(result));
    else {
      const lines = [`verdict: ${result.verdict}`, result.summary];
      for (const m of result.modules)
        lines.push(
          `${String(m.index).padStart(4)} ${m.verdict.padEnd(16)} ${`${m.name}${m.output ? `[${m.output}]` : ""}`.padEnd(40)} max abs ${m.metrics.maxAbs === null ? "–" : m.metrics.maxAbs.toExponential(2)}${m.allowedRelL2 !== undefined && m.metrics.relL2 !== null ? ` rel L2 ${m.metrics.relL2.toExponential(2)} of ${m.allowedRelL2.toExponential(2)} allowed` : ""}${m.metrics.nanMismatches ? ` NaN ${m.metrics.nanMismatches}` : ""}`,
        );
      out(lines.join("\n"));
    }
    if (result.unaligned.length) log(`compare-runs: ${result.unaligned.length} module calls are in only one trace`);
    return result.verdict === "divergent" ? 1 : 0;
  },
});
