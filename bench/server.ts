// `node bench/server.ts [--entries 10000] [--seconds 10] [--connections 50] [--rounds 3] [--registrations 60]
// [--nginx-workers 1]`: the registry server against Debian's nginx serving the very same bytes, in one run.
//
// 1. wrk (Debian's package) with 50 connections on each server in turn, the two alternating for --rounds rounds:
//    revalidations (If-None-Match, 304) and full answers of one entry and of the whole registry document
//    (28 MB at 10,000 entries, identity). Medians of requests per second and p99, and each server's own CPU
//    time per answer (from /proc: the registry server's process, nginx's master and workers), which other work
//    on a shared machine disturbs less. nginx runs --nginx-workers worker processes: one matches the registry
//    server's one JavaScript thread.
// 2. Reads while registering: GET /api/v1/health and one entry at a steady rate (each request timed from when
//    it was due), first idle, then while --registrations checkpoints (the real AIFS test checkpoint under as
//    many URLs of a local Range server) are read and committed; p99 during against idle.
// Prints Markdown for docs/benchmarks.md; says so and measures nothing where wrk or nginx is missing.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { generateRegistry } from "./generate-registry.ts";
import { describeMachine, machine } from "./machine.ts";
import { median } from "./measure.ts";
import { nginxUnavailable, startNginx } from "./nginx.ts";
import { pacedLoad, type PacedResult } from "./paced-load.ts";
import { cpuSeconds, treeOf } from "./proc-tree.ts";
import { file, startServer } from "../tests/support/http-servers.ts";
import { fixture } from "../tests/support/paths.ts";

const root = resolve(import.meta.dirname, "..");
const work = resolve(root, "bench/.work/server");
const log = (text: string) => process.stderr.write(`bench server: ${text}\n`);

const { values } = parseArgs({
  options: {
    entries: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    registrations: { type: "string", default: "60" },
    rounds: { type: "string", default: "3" },
    "nginx-workers": { type: "string", default: "1" },
  },
  strict: true,
});
const number = (name: keyof typeof values, max: number) => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    process.stderr.write(`--${name} must be a whole number from 1 to ${max}, got "${values[name]}"\n`);
    process.exit(2);
  }
  return value;
};
const size = number("entries", 100_000);
const seconds = number("seconds", 600);
const connections = number("connections", 1024);
const registrations = number("registrations", 10_000);
const rounds = number("rounds", 100);
const nginxWorkers = number("nginx-workers", 64);

const missing = [
  (await execa("wrk", ["--version"], { reject: false })).exitCode === undefined ? "wrk (apt-get install wrk)" : undefined,
  nginxUnavailable(),
].filter(Boolean);
if (missing.length > 0) {
  process.stdout.write(`registry server: not measured: needs ${missing.join(" and ")}\n`);
  process.exit(0);
}

/** A child process that prints the URL it serves on its first stdout line. */
async function child(command: string[]) {
  const process_ = execa(command[0]!, command.slice(1), { cwd: root, reject: false, buffer: false, env: { NO_COLOR: "1" } });
  let stderr = "";
  process_.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let stdout = "";
    process_.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(http:\/\/\S+)$/m.exec(stdout);
      if (match) resolveUrl(match[1]!);
    });
    void process_.then((r) => reject(new Error(`${command.join(" ")} exited ${r.exitCode}: ${stderr}`)));
  });
  return { url, pid: process_.pid!, stop: async () => void (process_.kill("SIGTERM"), await process_) };
}

interface Load {
  requestsPerSecond: number;
  p99Ms: number;
  /** The server's own CPU time per answer. */
  cpuMicroseconds: number;
}

/** One wrk run; checks that every answer was of the expected kind (a 304 is a few hundred bytes). */
async function load(url: string, headers: Record<string, string>, expect: { status: 200 | 304; bytes: number }, pids: () => number[]): Promise<Load> {
  const args = [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "60s",
    "--latency",
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    url,
  ];
  const cpuBefore = cpuSeconds(pids());
  const { stdout } = await execa("wrk", args);
  const cpu = cpuSeconds(pids()) - cpuBefore;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const read = /requests in [\d.]+\w+, ([\d.]+)(\w+) read/.exec(stdout);
  const bytes = Number(read?.[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[read?.[2] ?? "B"] ?? Number.NaN);
  const perResponse = bytes / requests;
  const wrong = /Non-2xx or 3xx responses: (\d+)/.exec(stdout) || /Socket errors/.test(stdout);
  const shapeOk = expect.status === 304 ? perResponse < 1024 : perResponse > expect.bytes * 0.99;
  if (wrong || !shapeOk || !(requests > 0))
    throw new Error(`${url}: unexpected answers (${perResponse.toFixed(0)} bytes per response, expected ${expect.status}):\n${stdout}`);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99Ms = Number(p99?.[1]) * ({ us: 0.001, ms: 1, s: 1000 }[p99?.[2] ?? "ms"] ?? Number.NaN);
  return { requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]), p99Ms, cpuMicroseconds: (cpu * 1e6) / requests };
}

/** The two servers under the same load, alternating, `rounds` times each; medians. */
async function compare(what: string, server: () => Promise<Load>, plain: () => Promise<Load>): Promise<[string, Load, Load]> {
  const runs = { server: [] as Load[], plain: [] as Load[] };
  for (let i = 0; i < rounds; i++) {
    log(`${what}: round ${i + 1} of ${rounds}`);
    for (const side of i % 2 ? (["plain", "server"] as const) : (["server", "plain"] as const)) runs[side].push(await (side === "server" ? server() : plain()));
  }
  const summary = (list: Load[]): Load => ({
    requestsPerSecond: median(list.map((l) => l.requestsPerSecond)),
    p99Ms: median(list.map((l) => l.p99Ms)),
    cpuMicroseconds: median(list.map((l) => l.cpuMicroseconds)),
  });
  return [what, summary(runs.server), summary(runs.plain)];
}

await rm(work, { recursive: true, force: true });
const entriesDir = join(work, "entries");
log(`generating ${size} entries`);
await generateRegistry(join(root, "entries"), entriesDir, size);

const db = join(work, "registry.db");
log("starting registry serve (imports the entries)");
const started = performance.now();
const registry = await child([
  process.execPath,
  "tooling/registry.mjs",
  "serve",
  "--db",
  db,
  "--entries",
  entriesDir,
  "--port",
  "0",
  "--allow-private-network",
  "--registrations-per-minute",
  "100000",
  "--extract-concurrency",
  "4",
]);
const importSeconds = (performance.now() - started) / 1000;
const registryPids = () => treeOf(registry.pid);

// nginx serves the very bytes the registry server does, under the static site's paths.
const entryId = basename((await readdir(entriesDir))[0]!, ".json");
const paths = {
  document: ["/api/v1/checkpoints", "/modelRegistry.json"],
  entry: [`/api/v1/checkpoints/${encodeURIComponent(entryId)}`, `/checkpoints/${entryId}.json`],
} as const;
const identity = { "accept-encoding": "identity" };
const staticDir = join(work, "static");
await mkdir(join(staticDir, "checkpoints"), { recursive: true });
const bodies: Record<keyof typeof paths, Buffer> = { document: Buffer.alloc(0), entry: Buffer.alloc(0) };
for (const kind of ["document", "entry"] as const) {
  bodies[kind] = Buffer.from(await (await fetch(`${registry.url}${paths[kind][0]}`, { headers: identity })).arrayBuffer());
  await writeFile(join(staticDir, paths[kind][1]), bodies[kind]);
}
const nginx = await startNginx(staticDir, join(work, "nginx"), nginxWorkers);

const etagOf = async (url: string) => (await fetch(url, { method: "HEAD", headers: identity })).headers.get("etag")!;
const rows: Array<[string, Load, Load]> = [];
try {
  log(`document: ${bodies.document.length} bytes, entry: ${bodies.entry.length} bytes; ${connections} connections, ${seconds} s per run, ${rounds} rounds`);
  for (const kind of ["entry", "document"] as const) {
    const [serverUrl, staticUrl] = [`${registry.url}${paths[kind][0]}`, `${nginx.url}${paths[kind][1]}`];
    const serverTag = { ...identity, "if-none-match": await etagOf(serverUrl) };
    const staticTag = { ...identity, "if-none-match": await etagOf(staticUrl) };
    const notModified = { status: 304 as const, bytes: 0 };
    const full = { status: 200 as const, bytes: bodies[kind].length };
    const name = kind === "entry" ? "one entry" : `the registry document (${(bodies.document.length / 1e6).toFixed(0)} MB)`;
    rows.push(
      await compare(
        `${name}: 304 Not Modified`,
        () => load(serverUrl, serverTag, notModified, registryPids),
        () => load(staticUrl, staticTag, notModified, nginx.pids),
      ),
    );
    rows.push(
      await compare(
        `${name}: 200, identity`,
        () => load(serverUrl, identity, full, registryPids),
        () => load(staticUrl, identity, full, nginx.pids),
      ),
    );
  }
} finally {
  await nginx.stop();
}

log(`reads while registering ${registrations} checkpoints`);
const checkpointBytes = await readFile(fixture("anemoi/registry-dummy-checkpoint.ckpt"));
const names = Array.from({ length: registrations }, (_, i) => `bench-${i}`);
const files = await startServer(Object.fromEntries(names.map((name) => [`/m/${name}.ckpt`, file(checkpointBytes)])));
const made = await execa(process.execPath, ["tooling/registry.mjs", "token", "create", "--db", db, "--scope", "register"], { cwd: root });
const token = made.stdout.trim();
const probes = { health: `${registry.url}/api/v1/health`, entry: `${registry.url}${paths.entry[0]}` };
const probe = (url: string, until?: () => boolean) =>
  pacedLoad(url, { rate: 100, seconds: until ? 600 : seconds, connections: 8, headers: identity, ...(until ? { until } : {}) });
const idle = await Promise.all([probe(probes.health), probe(probes.entry)]);
let registering = true;
const busy = Promise.all([probe(probes.health, () => !registering), probe(probes.entry, () => !registering)]);
const registerStarted = performance.now();
await Promise.all(
  names.map(async (name) => {
    const response = await fetch(`${registry.url}/api/v1/register`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ url: files.url(`/m/${name}.ckpt`) }),
    });
    if (response.status !== 202) throw new Error(`register ${name}: ${response.status} ${await response.text()}`);
  }),
);
for (;;) {
  const health = await (await fetch(probes.health)).json();
  if (health.registrations.queued + health.registrations.extracting === 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
const registerSeconds = (performance.now() - registerStarted) / 1000;
registering = false;
const during = await busy;
const check = new DatabaseSync(db, { readOnly: true });
const failed = Number((check.prepare("SELECT count(*) AS n FROM registrations WHERE state = 'failed'").get() as { n: number }).n);
check.close();
await registry.stop();
await files.close();

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const out = (text: string) => process.stdout.write(text);
out(
  `${size.toLocaleString("en")} entries; wrk with ${connections} connections, ${seconds} s per run, median of ${rounds} alternating rounds; nginx with ${nginxWorkers} worker process${nginxWorkers === 1 ? "" : "es"}; serve's start-up with the import: ${fmt(importSeconds, 1)} s\n\n`,
);
out(
  "| load | registry serve: req/s | p99 ms | µs CPU / answer | nginx: req/s | p99 ms | µs CPU / answer | serve / nginx, req/s | nginx / serve, CPU per answer |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
);
for (const [what, server, plain] of rows) {
  out(
    `| ${what} | ${fmt(server.requestsPerSecond)} | ${fmt(server.p99Ms, 1)} | ${fmt(server.cpuMicroseconds, 1)} | ${fmt(plain.requestsPerSecond)} | ${fmt(plain.p99Ms, 1)} | ${fmt(plain.cpuMicroseconds, 1)} | ${fmt(server.requestsPerSecond / plain.requestsPerSecond, 2)}x | ${fmt(plain.cpuMicroseconds / server.cpuMicroseconds, 2)}x |\n`,
  );
}
const row = (what: string, a: PacedResult, b: PacedResult) =>
  `| ${what} | ${fmt(a.p50Ms, 1)} | ${fmt(a.p99Ms, 1)} | ${fmt(b.p50Ms, 1)} | ${fmt(b.p99Ms, 1)} | ${fmt(b.maxMs, 0)} | ${fmt(b.p99Ms / a.p99Ms, 2)}x |${a.wrong + b.wrong ? ` ${a.wrong + b.wrong} wrong answers |` : ""}\n`;
out(
  `\nReads at 100 requests/s each, timed from when each was due: idle for ${seconds} s, then while ${registrations} registrations were read and committed (${fmt(registerSeconds, 1)} s, ${fmt(registrations / registerSeconds, 1)} registrations/s, extraction concurrency 4${failed ? `, ${failed} failed` : ""})\n\n`,
);
out(
  "| GET | idle: p50 ms | idle: p99 ms | registering: p50 ms | registering: p99 ms | registering: max ms | p99 registering / idle |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
);
out(row("/api/v1/health", idle[0], during[0]));
out(row(`${paths.entry[0]} (200)`, idle[1], during[1]));
out(`\nMeasured on ${describeMachine(machine(root))}.\n`);
