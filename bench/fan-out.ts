// `node bench/fan-out.ts [--rounds N]`: what the verification fan-out costs over running the same commands by
// hand. One real tiny checkpoint (Debian's torch, offline wheelhouse) is verified on linux-x86_64-cpu:
// - by hand: verify-unpickling, log-run float64, log-run float32, compare-runs, one after the other, as the
//   registry's command line (what the worker runs);
// - by hand again, with `--environment-cache` filled by an untimed first pass: what a worker or a contributor
//   that keeps its environments pays for each further checkpoint of the same requirements;
// - through the fan-out: a registry server with --platforms, the checkpoint registered by URL, one and then two
//   `registry worker` processes, timed from the registration's answer to the last job done.
// Rounds alternate the four ways in one process; the median of each and the ratios are printed as Markdown.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { startRegistryServer } from "../tooling/server/server.ts";
import { createToken } from "../tooling/server/tokens.ts";
import { file, startServer } from "../tests/support/http-servers.ts";
import { repoRoot } from "../tests/support/paths.ts";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable } from "../tests/support/python-fixtures.ts";
import { findOnPath } from "../tooling/environment/sandbox.ts";
import { median } from "./measure.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } }, strict: true });
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 20) {
  process.stderr.write(`--rounds must be a whole number from 1 to 20, got "${values.rounds}"\n`);
  process.exit(2);
}
const why = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap is not on PATH");
if (why) {
  process.stdout.write(`| fan-out | not measured: ${why} |\n`);
  process.exit(0);
}

const log = (message: string) => process.stderr.write(`bench fan-out: ${message}\n`);
const cli = join(repoRoot, "tooling", "registry.mjs");
const platform = "linux-x86_64-cpu";
const dir = await mkdtemp(join(tmpdir(), "bench-fan-out-"));
const entries = join(dir, "entries");
await cp(join(repoRoot, "entries"), entries, { recursive: true });
const models = await buildTinyModels(dir);
const checkpoint = await makeCheckpoint(models, join(dir, "bench-tiny.ckpt"), "tiny_models.TinyNet");
const files = await startServer({ "/bench-tiny.ckpt": file({ path: checkpoint }) });
const environment = ["--python", torchPython, "--offline", "--find-links", models.wheelhouse, "--system-site-packages", "--allow-package", "tiny_models"];

async function registry(args: string[]): Promise<void> {
  const run = await execa(process.execPath, [cli, ...args], { reject: false });
  if (run.exitCode !== 0) throw new Error(`registry ${args[0]} exited ${run.exitCode}: ${run.stderr.slice(-2000)}`);
}

const environments = join(dir, "environments");

async function byHand(name: string, cached = false): Promise<number> {
  const work = join(dir, name);
  const options = cached ? [...environment, "--environment-cache", environments] : environment;
  const started = performance.now();
  await registry(["verify-unpickling", checkpoint, ...options, "--out", join(work, "result.json")]);
  await registry(["log-run", checkpoint, ...options, "--dtype", "float64", "--final-samples", "1048576", "--out", join(work, "f64")]);
  await registry(["log-run", checkpoint, ...options, "--dtype", "float32", "--final-samples", "1048576", "--out", join(work, "f32")]);
  await registry(["compare-runs", join(work, "f64"), join(work, "f32"), "--out", join(work, "compare.json")]);
  return (performance.now() - started) / 1000;
}

async function fanOut(round: number, workers: number): Promise<number> {
  const server = await startRegistryServer({
    db: join(dir, `fan-${round}-${workers}.db`),
    host: "127.0.0.1",
    port: 0,
    entriesDir: entries,
    allowPrivateNetwork: true,
    extractConcurrency: 1,
    extraction: { deadlineMs: 60_000, heapMiB: 256 },
    requestTimeoutMs: 10_000,
    registrationsPerMinute: 100,
    platforms: [{ key: platform, dtype: "float32" }],
    referencePlatform: platform,
    leaseSeconds: 30,
    jobAttempts: 1,
    blobsDir: undefined,
    maxUploadBytes: 64 * 1024 * 1024,
    log: () => undefined,
  });
  const token = createToken(server.db, "worker").token;
  const register = createToken(server.db, "register").token;
  const children = Array.from({ length: workers }, (_, i) =>
    execa(
      process.execPath,
      [
        cli,
        "worker",
        "--server",
        server.url,
        "--platform",
        platform,
        "--wait",
        "5",
        ...environment,
        "--allow-private-network",
        "--cache-dir",
        join(dir, `cache-${round}-${workers}`),
        "--work-dir",
        join(dir, `work-${round}-${workers}-${i}`),
      ],
      {
        env: { REGISTRY_WORKER_TOKEN: token },
        reject: false,
      },
    ),
  );
  try {
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/register`, {
      method: "PUT",
      headers: { authorization: `Bearer ${register}`, "content-type": "application/json" },
      body: JSON.stringify({ url: files.url("/bench-tiny.ckpt") }),
    });
    if (response.status !== 202) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
    for (;;) {
      const { jobs } = (await (await fetch(`${server.url}/api/v1/jobs?checkpoint=bench-tiny`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        jobs: Array<{ state: string; kind: string; reason?: string }>;
      };
      const broken = jobs.find((j) => j.state === "failed" || j.state === "cancelled");
      if (broken) throw new Error(`${broken.kind} ${broken.state}: ${broken.reason}`);
      if (jobs.length > 0 && jobs.every((j) => j.state === "done")) break;
      if (performance.now() - started > 600_000) throw new Error("the jobs did not finish in 10 minutes");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (performance.now() - started) / 1000;
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children);
    await server.close();
  }
}

log("filling the environment cache");
await byHand("fill", true);
const times = { hand: [] as number[], cached: [] as number[], one: [] as number[], two: [] as number[] };
for (let round = 0; round < rounds; round++) {
  log(`round ${round + 1}/${rounds}`);
  times.hand.push(await byHand(`hand-${round}`));
  times.cached.push(await byHand(`cached-${round}`, true));
  times.one.push(await fanOut(round, 1));
  times.two.push(await fanOut(round, 2));
}
await files.close();
await rm(dir, { recursive: true, force: true });
const hand = median(times.hand);
const row = (label: string, xs: number[]) =>
  `| ${label} | ${xs.map((x) => x.toFixed(1)).join(", ")} | ${median(xs).toFixed(1)} | ${(median(xs) / hand).toFixed(2)}x |`;
process.stdout.write(
  [
    `| verification of one checkpoint on ${platform} | each round (s) | median (s) | / by hand |`,
    "| --- | --- | ---: | ---: |",
    row("by hand: verify-unpickling, log-run f64, log-run f32, compare-runs", times.hand),
    row("by hand, environments kept (`--environment-cache`, filled before)", times.cached),
    row("fan-out, 1 worker: registration to last job done", times.one),
    row("fan-out, 2 workers", times.two),
    "",
  ].join("\n"),
);
