// `node bench/startup.ts [--runs 20]`: what a command pays before it works, against bare `node -e 0`, all in
// one run (ratios, since this machine is shared): --help, and extract-basic-metadata of the local AIFS test
// checkpoint, through tooling/registry.mjs (the bundle, as `npm run registry` runs it) and through the
// TypeScript source (`node tooling/cli.ts`, what every command cost before the bundle).
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { fixture, repoRoot } from "../tests/support/paths.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const node = process.execPath;

execFileSync(node, ["tooling/bundle.mjs"], { cwd: repoRoot, stdio: "ignore" });

function median(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now();
    execFileSync(node, args, { cwd: repoRoot, stdio: "ignore" });
    if (i >= 3) times.push(performance.now() - started); // the first runs fill the compile cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const checkpoint = fixture("anemoi/registry-dummy-checkpoint.ckpt");
const bare = median(["-e", "0"]);
const rows: Array<[string, number]> = [
  ["--help, bundle (npm run registry)", median(["tooling/registry.mjs", "--help"])],
  ["--help, source (node tooling/cli.ts)", median(["tooling/cli.ts", "--help"])],
  ["extract-basic-metadata <local AIFS test checkpoint> --json, bundle", median(["tooling/registry.mjs", "extract-basic-metadata", checkpoint, "--json"])],
  ["extract-basic-metadata <local AIFS test checkpoint> --json, source", median(["tooling/cli.ts", "extract-basic-metadata", checkpoint, "--json"])],
];
const line = (name: string, ms: number, target: string) => `| ${name} | ${ms.toFixed(1)} | ${(ms / bare).toFixed(2)}x | ${target} |`;
process.stdout.write(
  `| start-up (median of ${runs}) | ms | x bare node | target |\n| --- | ---: | ---: | ---: |\n${line("bare node -e 0", bare, "")}\n${rows.map(([n, ms]) => line(n, ms, n.endsWith("bundle") || n.includes("bundle (") ? "<= 3x" : "")).join("\n")}\n`,
);
