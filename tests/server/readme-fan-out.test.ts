// The fan-out exactly as the README runs it: in a fresh working directory (as a clone's root would be), the real
// `serve --db registry.db` with a relative database, `token create --db registry.db`, a registration, one
// `worker` with relative --cache-dir and --work-dir, and `jobs`. With a relative database the server's trace
// links once dangled, compare-runs failed, and its job stayed queued; here the comparison's evidence arrives,
// (jobs.test.ts fails a comparison that cannot run). Needs Debian's torch and bubblewrap.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { file, startServer } from "../support/http-servers.ts";
import { buildTinyModels, makeCheckpoint, torchUnavailable, type TinyModels, tinyModelOptions } from "../support/python-fixtures.ts";

const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the README fan-out test: ${unavailable}`);
if (unavailable) console.warn(`skipping the README fan-out test: ${unavailable}`);

const cpu = "linux-x86_64-cpu";
const cli = join(repoRoot, "tooling", "registry.mjs");

interface JobView {
  job: string;
  kind: string;
  role?: string;
  state: string;
  reason?: string;
  outcome?: string;
}

describe.skipIf(unavailable)("the README's fan-out, from a fresh working directory", () => {
  let cwd: string;
  let models: TinyModels;
  let checkpoint: string;
  let serve: ResultPromise | undefined;
  let worker: ResultPromise | undefined;
  let url = "";
  const logs = { serve: [] as string[], worker: [] as string[] };

  /** `npm run -s registry -- <args>` as the README writes it, run from the working directory. */
  const registry = (args: string[]) => execa(process.execPath, [cli, ...args], { cwd, reject: false, env: { NO_COLOR: "1" } });

  beforeAll(async () => {
    cwd = await tempDir("readme-fan-out-");
    models = await buildTinyModels(cwd);
    checkpoint = await makeCheckpoint(models, join(cwd, "tiny-readme.ckpt"), "tiny_models.TinyNet");
  }, 120_000);

  afterAll(async () => {
    worker?.kill("SIGKILL");
    serve?.kill("SIGTERM");
    await Promise.allSettled([worker, serve]);
  });

  it("serves from a relative --db, runs every job on a worker, and records the comparison", async () => {
    const server = execa(
      process.execPath,
      [cli, "serve", "--db", "registry.db", "--port", "0", "--platforms", cpu, "--allow-private-network", "--lease-seconds", "30"],
      { cwd, reject: false, env: { NO_COLOR: "1" }, buffer: false },
    );
    serve = server as unknown as ResultPromise;
    server.stderr.on("data", (chunk: Buffer) => logs.serve.push(chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${logs.serve.join("")}`)), 60_000);
      server.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /^(http:\/\/\S+)\n/m.exec(stdout);
        if (line) (clearTimeout(timer), resolve(line[1]!));
      });
    });
    const workerToken = await registry(["token", "create", "--db", "registry.db", "--scope", "worker", "--name", "cpu-node-1"]);
    const registerToken = await registry(["token", "create", "--db", "registry.db", "--scope", "register", "--name", "my-pipeline"]);
    expect(workerToken.exitCode, workerToken.stderr).toBe(0);
    expect(registerToken.exitCode, registerToken.stderr).toBe(0);

    const files = await startServer({ "/tiny-readme.ckpt": file({ path: checkpoint }) });
    const put = await fetch(`${url}/api/v1/register`, {
      method: "PUT",
      headers: { authorization: `Bearer ${registerToken.stdout.trim()}`, "content-type": "application/json" },
      body: JSON.stringify({ url: files.url("/tiny-readme.ckpt") }),
    });
    expect(put.status, await put.clone().text()).toBe(202);

    const child = execa(
      process.execPath,
      [
        cli,
        "worker",
        "--server",
        url,
        "--platform",
        cpu,
        "--wait",
        "2",
        ...tinyModelOptions(models),
        "--allow-private-network",
        "--cache-dir",
        "cache",
        "--work-dir",
        "work",
      ],
      {
        cwd,
        reject: false,
        env: { REGISTRY_WORKER_TOKEN: workerToken.stdout.trim(), NO_COLOR: "1" },
      },
    );
    worker = child as unknown as ResultPromise;
    child.stderr.on("data", (chunk: Buffer) => logs.worker.push(chunk.toString()));

    const deadline = Date.now() + 300_000;
    let jobs: JobView[] = [];
    for (;;) {
      // Listing jobs needs a worker or admin token (they name the workers' hosts), as the README's line says.
      const listed = await execa(process.execPath, [cli, "jobs", "--server", url, "--checkpoint", "tiny-readme", "--json"], {
        cwd,
        reject: false,
        env: { NO_COLOR: "1", REGISTRY_TOKEN: workerToken.stdout.trim() },
      });
      expect(listed.exitCode, listed.stderr).toBe(0);
      jobs = (JSON.parse(listed.stdout) as { jobs: JobView[] }).jobs;
      const compare = jobs.find((j) => j.kind === "compare-runs");
      if (compare && !["waiting", "queued", "leased"].includes(compare.state)) break;
      if (jobs.some((j) => j.state === "failed" || j.state === "cancelled") || Date.now() > deadline) {
        throw new Error(`jobs: ${JSON.stringify(jobs, null, 1)}\nworker:\n${logs.worker.join("").slice(-4000)}\nserve:\n${logs.serve.join("").slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(jobs.map((j) => `${j.kind}${j.role ? ` ${j.role}` : ""} ${j.state}`).sort()).toEqual([
      "compare-runs done",
      "log-run candidate done",
      "log-run reference done",
      "verify-unpickling done",
    ]);

    const entry = await (await fetch(`${url}/api/v1/checkpoints/tiny-readme`)).json();
    expect(entry.compatibility[cpu].evidence.map((e: { check: string; result: string }) => `${e.check} ${e.result}`).sort()).toEqual([
      "compare-runs pass",
      "run pass",
      "unpickle pass",
    ]);
    // The worker hashed the download: the entry registered through the server has its sha256 now.
    expect(entry.source.sha256).toBe(
      createHash("sha256")
        .update(await readFile(checkpoint))
        .digest("hex"),
    );
    // Everything relative stayed in the working directory.
    for (const path of ["registry.db", "registry.db.blobs", "cache"]) expect(existsSync(join(cwd, path)), path).toBe(true);
  }, 420_000);
});
