// A hostile registry server against a real `registry worker` process: a real HTTP server on 127.0.0.1 answers
// leases whose job id, attempt, sha256 and URL are crafted to name paths outside the worker's folders (the
// issue's `../../tmp/x`, an attempt of "/..", a sha256 of `../../x`), huge strings and non-JSON. `worker --once`
// must refuse each, tell the server when the job id is usable, touch nothing outside --work-dir and --cache-dir
// (a canary tree around them is compared before and after), and exit 0; a long-running worker goes on to the
// next lease.
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, tempDir } from "../support/helpers.ts";

const cpu = "linux-x86_64-cpu";

interface Call {
  method: string;
  path: string;
  body: any;
}

/** A server that answers each lease with the next of `leases` (then 204), and records every request. */
class HostileServer {
  leases: Array<unknown | string> = [];
  /** What a result or heartbeat is answered with. */
  resultAnswer = JSON.stringify({ duplicate: false, job: {} });
  calls: Call[] = [];
  #server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.#server = createServer(async (req: IncomingMessage, res): Promise<void> => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      this.calls.push({ method: req.method ?? "", path: req.url ?? "", body });
      if (req.url === "/api/v1/jobs/lease") {
        const next = this.leases.shift();
        if (next === undefined) res.writeHead(204).end();
        else res.writeHead(200, { "content-type": "application/json" }).end(typeof next === "string" ? next : JSON.stringify(next));
      } else if (/^\/api\/v1\/jobs\/[^/]+\/(result|heartbeat)$/.test(req.url ?? "")) {
        res.writeHead(200, { "content-type": "application/json" }).end(this.resultAnswer);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.closeAllConnections() : undefined, this.#server?.close(() => resolve()) ?? resolve()));
  }

  leaseCalls(): number {
    return this.calls.filter((c) => c.path === "/api/v1/jobs/lease").length;
  }
}

function lease(job: Record<string, unknown>, top: Record<string, unknown> = {}) {
  return {
    job: {
      job: randomUUID(),
      kind: "verify-unpickling",
      platform: cpu,
      checkpoint: { id: "tiny", url: "https://example.org/tiny.ckpt" },
      after: [],
      state: "leased",
      attempts: 1,
      maxAttempts: 3,
      createdAt: new Date().toISOString(),
      ...job,
    },
    attempt: 1,
    leaseSeconds: 60,
    ...top,
  };
}

/** Every path under `root` (folders and files, with file contents), except inside the worker's own folders. */
async function tree(root: string, skip: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skip.includes(path)) continue;
      if (entry.isDirectory()) {
        found.push(`${relative(root, path)}/`);
        await walk(path);
      } else found.push(`${relative(root, path)} ${entry.isFile() ? await readFile(path, "utf8") : "(not a file)"}`);
    }
  };
  await walk(root);
  return found.sort();
}

describe("a worker against a hostile server", () => {
  let root: string;
  let work: string;
  let cache: string;
  const server = new HostileServer();

  beforeAll(async () => {
    // root/run/work and root/run/cache are the worker's; root/canary, root/tmp and root/x are what the
    // crafted strings name (../../canary, ../../tmp/x, ../../x from the worker's folders).
    root = await tempDir("hostile-server-");
    work = join(root, "run", "work");
    cache = join(root, "run", "cache");
    await mkdir(work, { recursive: true });
    await mkdir(cache, { recursive: true });
    await mkdir(join(root, "canary", "x-"), { recursive: true });
    await writeFile(join(root, "canary", "keep.txt"), "the canary");
    await mkdir(join(root, "tmp"), { recursive: true });
    await server.start();
  });

  afterAll(() => server.close());

  const worker = (args: string[]) =>
    execa(
      process.execPath,
      [
        join(repoRoot, "tooling", "registry.mjs"),
        "worker",
        "--server",
        server.url,
        "--platform",
        cpu,
        "--work-dir",
        work,
        "--cache-dir",
        cache,
        "--allow-private-network",
        ...args,
      ],
      {
        env: { REGISTRY_WORKER_TOKEN: "fmr_hostile-test", NO_COLOR: "1" },
        reject: false,
        timeout: 60_000,
      },
    );

  const cases: Array<[string, unknown, RegExp, boolean]> = [
    [
      "a job id and attempt that climb out of --work-dir",
      lease({ job: "../../canary/x" }, { attempt: "/.." }),
      /job\.job: a job id \(a lowercase UUID\)/,
      false,
    ],
    ["the issue's job id ../../tmp/x", lease({ job: "../../tmp/x" }), /job\.job: /, false],
    [
      "a crafted sha256 that names a lock outside --cache-dir",
      lease({ checkpoint: { id: "tiny", url: "https://example.org/tiny.ckpt", sha256: "../../x", sizeBytes: 10 } }),
      /job\.checkpoint\.sha256: a lowercase sha256/,
      true,
    ],
    ["a URL to a local file", lease({ checkpoint: { id: "tiny", url: "file:///etc/passwd" } }), /job\.checkpoint\.url: /, true],
    ["a huge checkpoint id", lease({ checkpoint: { id: `a${"b".repeat(60_000)}`, url: "https://example.org/tiny.ckpt" } }), /job\.checkpoint\.id: /, true],
    [
      "a lease over the size a worker reads",
      lease({ checkpoint: { id: "tiny", url: `https://example.org/${"x".repeat(1_000_000)}` } }),
      /the lease is over 65536 bytes/,
      false,
    ],
    ["an answer that is not JSON", "<html>\u001b[2J", /the lease is not JSON/, false],
  ];

  it.each(cases)(
    "refuses %s, touches nothing outside its folders, and exits 0",
    async (_, hostile, problem, reported) => {
      const before = await tree(root, [work, cache]);
      server.leases = [hostile];
      server.calls = [];
      const run = await worker(["--once", "--wait", "1", "--json"]);
      expect(run.exitCode, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.jobs).toHaveLength(1);
      expect(summary.jobs[0]).toMatchObject({ status: "refused", reason: expect.stringMatching(problem) });
      expect(run.stderr).toMatch(/worker: the worker refused the lease: /);
      expect(run.stderr).not.toMatch(/\u001b/);
      expect(await tree(root, [work, cache])).toEqual(before);
      // Only the lease and, when the job id and attempt are usable, the refusal reach the server; no other path.
      const results = server.calls.filter((c) => c.path !== "/api/v1/jobs/lease");
      if (reported) {
        const job = (hostile as { job: { job: string } }).job.job;
        expect(results).toEqual([
          {
            method: "POST",
            path: `/api/v1/jobs/${job}/result`,
            body: { attempt: 1, status: "failed", fault: "environment", deterministic: false, reason: expect.stringMatching(problem) },
          },
        ]);
      } else expect(results).toEqual([]);
      expect(await readdir(work)).toEqual([]);
    },
    90_000,
  );

  it("goes on after a refused lease: a long-running worker refuses two and runs the next it can", async () => {
    const before = await tree(root, [work, cache]);
    server.calls = [];
    // Answers to its results that are no JSON do not stop it either.
    server.resultAnswer = "<html>\u001b[2J";
    const valid = lease({ checkpoint: { id: "tiny", url: `${server.url}/missing.ckpt` } });
    server.leases = [
      lease({ job: "../../canary/x" }, { attempt: "/.." }),
      lease({ checkpoint: { id: "tiny", url: "https://example.org/x", sha256: "../../x" } }),
      valid,
    ];
    const child = worker(["--wait", "1"]);
    const deadline = Date.now() + 60_000;
    while (server.leaseCalls() < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGTERM");
    const run = await child;
    expect(run.exitCode, run.stderr).toBe(0);
    expect(server.leaseCalls()).toBeGreaterThanOrEqual(5);
    // The valid lease ran: its download failed (404), reported as the environment's failure, not the checkpoint's.
    const posted = server.calls.find((c) => c.path === `/api/v1/jobs/${valid.job.job}/result`);
    expect(posted?.body).toMatchObject({
      attempt: 1,
      status: "failed",
      fault: "environment",
      deterministic: false,
      reason: expect.stringMatching(/^the download of .*\/missing\.ckpt failed: /),
    });
    expect(await tree(root, [work, cache])).toEqual(before);
    expect(await readdir(work)).toEqual([]);
    expect((await stat(join(root, "canary", "keep.txt"))).isFile()).toBe(true);
  }, 90_000);
});
