// `node bench/access-log.ts [--rounds 5] [--seconds 4]`: what the server's access log (`serve --log-level info`)
// costs, as the server's own CPU time per answer (utime + stime from /proc over the answers wrk got), which a
// machine shared with other work disturbs less than requests per second. Two `serve` processes on the same
// entries, one at --log-level silent and one at info, alternated; a routed full answer (one entry) and a 304 of
// the fast path. Needs wrk and Linux's /proc. Prints Markdown rows for docs/benchmarks.md.
import { readFileSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "4" } }, strict: true });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
if (!Number.isSafeInteger(rounds) || rounds < 1 || !Number.isSafeInteger(seconds) || seconds < 1) {
  process.stderr.write("--rounds and --seconds must be whole numbers of at least 1\n");
  process.exit(2);
}
const ticks = Number((await execa("getconf", ["CLK_TCK"])).stdout);

const work = await mkdtemp(join(tmpdir(), "bench-access-log-"));

async function serve(level: string, entries: string) {
  const child = execa(
    process.execPath,
    [join(root, "tooling", "registry.mjs"), "serve", "--db", join(work, `${level}.db`), "--entries", entries, "--port", "0", "--log-level", level],
    { reject: false, buffer: false },
  );
  child.stderr!.resume(); // the log goes to a pipe, as it does to the journal
  const url = await new Promise<string>((resolveUrl, reject) => {
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(http:\/\/\S+)$/m.exec(stdout);
      if (match) resolveUrl(match[1]!);
    });
    void child.then((r) => reject(new Error(`serve exited ${r.exitCode}`)));
  });
  return { level, url, child };
}

/** CPU seconds of a process so far: utime + stime, fields 14 and 15 of /proc/<pid>/stat. */
function cpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

async function microsecondsPerAnswer(server: Awaited<ReturnType<typeof serve>>, path: string, headers: Record<string, string>): Promise<number> {
  const before = cpu(server.child.pid!);
  const { stdout } = await execa("wrk", [
    "-t1",
    "-c16",
    `-d${seconds}s`,
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    `${server.url}${path}`,
  ]);
  const answers = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  if (/Non-2xx or 3xx responses/.test(stdout)) throw new Error(`${path}: wrong answers\n${stdout}`);
  return ((cpu(server.child.pid!) - before) * 1e6) / answers;
}

const entries = join(work, "entries");
await cp(join(root, "entries"), entries, { recursive: true });
const servers = [await serve("silent", entries), await serve("info", entries)];
const path = "/api/v1/checkpoints/imerg-gt";
const etag = (await fetch(`${servers[0]!.url}${path}`)).headers.get("etag")!;
const results: Record<string, { full: number[]; notModified: number[] }> = { silent: { full: [], notModified: [] }, info: { full: [], notModified: [] } };
try {
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      results[server.level]!.full.push(await microsecondsPerAnswer(server, path, {}));
      results[server.level]!.notModified.push(await microsecondsPerAnswer(server, path, { "if-none-match": etag }));
      process.stderr.write(
        `bench access-log: round ${round} ${server.level}: ${results[server.level]!.full.at(-1)!.toFixed(1)} / ${results[server.level]!.notModified.at(-1)!.toFixed(1)} µs\n`,
      );
    }
  }
} finally {
  for (const server of servers) server.child.kill("SIGTERM");
  await Promise.all(servers.map((s) => s.child));
  await rm(work, { recursive: true, force: true });
}
const least = (values: number[]) => Math.min(...values).toFixed(1);
process.stdout.write("| answer | silent: µs CPU / answer (least) | info: µs CPU / answer (least) |\n| --- | ---: | ---: |\n");
process.stdout.write(`| ${path}, 200 (routed) | ${least(results.silent!.full)} | ${least(results.info!.full)} |\n`);
process.stdout.write(`| the same with If-None-Match, 304 (fast path) | ${least(results.silent!.notModified)} | ${least(results.info!.notModified)} |\n`);
