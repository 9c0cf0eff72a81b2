// `node bench/server.ts [--entries 10000] [--seconds 10] [--connections 64] [--registrations 60]`: the registry
// server under load, against a plain static file server serving the same bytes, in one run.
//
// 1. GET /api/v1/checkpoints of a 10,000-entry registry with wrk (64 connections): full responses and 304s
//    (If-None-Match), for `registry serve` and for sirv serving the identical modelRegistry.json, the two
//    alternating for --rounds rounds; median requests per second, p99 latency and the ratio between the two.
//    wrk (Debian's package) rather than autocannon: on a small machine the load generator shares the CPU with
//    the server, and autocannon's own cost per response measured the client more than the servers.
// 2. Registration throughput: that many PUT /register of distinct URLs on a local Range server (the real AIFS
//    test checkpoint each), timed from the first submission until the last is registered.
// Both servers are child processes. Prints Markdown rows for docs/benchmarks.md.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { generateRegistry } from "./generate-registry.ts";
import { file, startServer } from "../tests/support/http-servers.ts";
import { fixture } from "../tests/support/paths.ts";

const root = resolve(import.meta.dirname, "..");
const work = resolve(root, "bench/.work/server");
const log = (text: string) => process.stderr.write(`bench server: ${text}\n`);

const { values } = parseArgs({
  options: {
    entries: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    registrations: { type: "string", default: "60" },
    rounds: { type: "string", default: "3" },
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

/** A child process that prints the URL it serves on its first stdout line. */
async function child(command: string[], env: Record<string, string> = {}) {
  const process_ = execa(command[0]!, command.slice(1), { cwd: root, reject: false, buffer: false, env: { ...env, NO_COLOR: "1" } });
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
  return { url, process: process_, stop: async () => void (process_.kill("SIGTERM"), await process_) };
}

interface Load {
  requestsPerSecond: number;
  p99Ms: number;
}

/** One wrk run; checks that every answer was of the expected kind (a 304 is a few hundred bytes). */
async function load(url: string, headers: Record<string, string>, expect: { status: 200 | 304; bytes: number }): Promise<Load> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "60s", "--latency", ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), url];
  const { stdout } = await execa("wrk", args);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const read = /requests in [\d.]+\w+, ([\d.]+)(\w+) read/.exec(stdout);
  const bytes = Number(read?.[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[read?.[2] ?? "B"] ?? Number.NaN);
  const perResponse = bytes / requests;
  const wrong = /Non-2xx or 3xx responses: (\d+)/.exec(stdout) || /Socket errors/.test(stdout);
  const shapeOk = expect.status === 304 ? perResponse < 1024 : perResponse > expect.bytes * 0.99;
  if (wrong || !shapeOk || !(requests > 0)) throw new Error(`${url}: unexpected answers (${perResponse.toFixed(0)} bytes per response, expected ${expect.status}):\n${stdout}`);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99Ms = Number(p99?.[1]) * ({ us: 0.001, ms: 1, s: 1000 }[p99?.[2] ?? "ms"] ?? Number.NaN);
  return { requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]), p99Ms };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The two servers under the same load, alternating, `rounds` times each; medians. */
async function compare(what: string, server: () => Promise<Load>, plain: () => Promise<Load>): Promise<[string, Load, Load]> {
  const runs = { server: [] as Load[], plain: [] as Load[] };
  for (let i = 0; i < rounds; i++) {
    log(`${what}: round ${i + 1} of ${rounds}`);
    for (const side of i % 2 ? (["plain", "server"] as const) : (["server", "plain"] as const)) runs[side].push(await (side === "server" ? server() : plain()));
  }
  const summary = (list: Load[]): Load => ({ requestsPerSecond: median(list.map((l) => l.requestsPerSecond)), p99Ms: median(list.map((l) => l.p99Ms)) });
  return [what, summary(runs.server), summary(runs.plain)];
}

if ((await execa("wrk", ["--version"], { reject: false })).exitCode === undefined) {
  process.stdout.write("| registry server | not measured: needs wrk (apt-get install wrk) |\n");
  process.exit(0);
}

await rm(work, { recursive: true, force: true });
const entriesDir = join(work, "entries");
log(`generating ${size} entries`);
await generateRegistry(join(root, "entries"), entriesDir, size);

const db = join(work, "registry.db");
log("starting registry serve (imports the entries)");
const started = performance.now();
const registry = await child([process.execPath, "tooling/registry.mjs", "serve", "--db", db, "--entries", entriesDir, "--port", "0", "--allow-private-network", "--registrations-per-minute", "100000", "--extract-concurrency", "4"]);
const importSeconds = (performance.now() - started) / 1000;

// The static server serves the very bytes the registry server does.
const documentUrl = `${registry.url}/api/v1/checkpoints`;
const body = Buffer.from(await (await fetch(documentUrl, { headers: { "accept-encoding": "identity" } })).arrayBuffer());
const staticDir = join(work, "static");
await mkdir(staticDir, { recursive: true });
await writeFile(join(staticDir, "modelRegistry.json"), body);
const staticScript = `import { createServer } from "node:http"; import sirv from "sirv";
const serve = sirv(${JSON.stringify(staticDir)}, { etag: true, maxAge: 60 });
const server = createServer((req, res) => serve(req, res, () => { res.statusCode = 404; res.end(); }));
server.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + server.address().port));`;
const staticServer = await child([process.execPath, "--input-type=module", "-e", staticScript]);
const staticUrl = `${staticServer.url}/modelRegistry.json`;

const etagOf = async (url: string) => (await fetch(url, { method: "HEAD", headers: { "accept-encoding": "identity" } })).headers.get("etag")!;
const identity = { "accept-encoding": "identity" };
const rows: Array<[string, Load, Load]> = [];
try {
  log(`document: ${body.length} bytes; load: ${connections} connections, ${seconds} s per run, ${rounds} rounds`);
  const full = { status: 200 as const, bytes: body.length };
  rows.push(await compare("full responses", () => load(documentUrl, identity, full), () => load(staticUrl, identity, full)));
  const serverTag = { ...identity, "if-none-match": await etagOf(documentUrl) };
  const staticTag = { ...identity, "if-none-match": await etagOf(staticUrl) };
  const notModified = { status: 304 as const, bytes: 0 };
  rows.push(await compare("304 Not Modified", () => load(documentUrl, serverTag, notModified), () => load(staticUrl, staticTag, notModified)));
} finally {
  await staticServer.stop();
}

log(`registering ${registrations} checkpoints`);
const checkpointBytes = await readFile(fixture("anemoi/registry-dummy-checkpoint.ckpt"));
const names = Array.from({ length: registrations }, (_, i) => `bench-${i}`);
const files = await startServer(Object.fromEntries(names.map((name) => [`/m/${name}.ckpt`, file(checkpointBytes)])));
const made = await execa(process.execPath, ["tooling/registry.mjs", "token", "create", "--db", db, "--scope", "register"], { cwd: root });
const token = made.stdout.trim();
// Reads while registrations are read and committed: revalidations of one entry (its ETag stays), idle first.
const entryUrl = `${registry.url}/api/v1/checkpoints/${encodeURIComponent(basename((await readdir(entriesDir))[0]!, ".json"))}`;
const entryTag = { ...identity, "if-none-match": await etagOf(entryUrl) };
const idleReads = await load(entryUrl, entryTag, { status: 304, bytes: 0 });
const registerStarted = performance.now();
const busyReads = load(entryUrl, entryTag, { status: 304, bytes: 0 });
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
  const health = await (await fetch(`${registry.url}/api/v1/health`)).json();
  if (health.registrations.queued + health.registrations.extracting === 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
const registerSeconds = (performance.now() - registerStarted) / 1000;
const readsDuring = await busyReads;
const check = new DatabaseSync(db, { readOnly: true });
const failed = Number((check.prepare("SELECT count(*) AS n FROM registrations WHERE state = 'failed'").get() as { n: number }).n);
check.close();
await registry.stop();
await files.close();

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
process.stdout.write(`GET /api/v1/checkpoints, ${size} entries (${fmt(body.length)} bytes), wrk with ${connections} connections, ${seconds} s per run, median of ${rounds} alternating rounds; serve's start-up with the import: ${fmt(importSeconds, 1)} s\n\n`);
process.stdout.write("| load | registry serve: req/s | p99 ms | sirv (static): req/s | p99 ms | serve / static |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
for (const [what, server, plain] of rows) {
  process.stdout.write(`| ${what} | ${fmt(server.requestsPerSecond)} | ${fmt(server.p99Ms)} | ${fmt(plain.requestsPerSecond)} | ${fmt(plain.p99Ms)} | ${fmt(server.requestsPerSecond / plain.requestsPerSecond, 2)}x |\n`);
}
process.stdout.write(`\nRegistration: ${registrations} checkpoints (46 KB each, Range requests on 127.0.0.1), extraction concurrency 4: ${fmt(registerSeconds, 1)} s, ${fmt(registrations / registerSeconds, 1)} registrations/s${failed ? `, ${failed} failed` : ""}\n`);
process.stdout.write(`Revalidating one entry (304), ${seconds} s: ${fmt(idleReads.requestsPerSecond)} req/s, p99 ${fmt(idleReads.p99Ms, 1)} ms idle; ${fmt(readsDuring.requestsPerSecond)} req/s, p99 ${fmt(readsDuring.p99Ms, 1)} ms while registering\n`);
