// verify-unpickling end to end: real checkpoints of tiny models, a real virtual environment with the
// requirements installed offline from a wheelhouse (torch from the system), a real limited process. Every run
// that starts writes its record and exits 0; the record says whose fault a failure is: the checkpoint's
// (evidence), or the host environment's (a worker without a package index must never make it incompatible).
import { existsSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { verificationResult } from "../../src/contract/records/verification.ts";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { readJson, runCli, tempDir } from "../support/helpers.ts";
import { packMetadataFixture } from "../support/pack-metadata.ts";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable, type TinyModels, tinyModelOptions } from "../support/python-fixtures.ts";
import { processGroupAlive } from "../support/processes.ts";

// The checkpoint runs in bubblewrap's sandbox: without it the command refuses (unless --no-sandbox).
const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the torch tests: ${unavailable}`);
if (unavailable) console.warn(`skipping verify-unpickling tests: ${unavailable}`);

let dir: string;
let models: TinyModels;

/** A port on 127.0.0.1 that was bound and let go: nothing listens there, connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function verify(checkpoint: string, ...args: string[]) {
  const out = join(dir, `result-${Math.random().toString(36).slice(2)}.json`);
  const run = await runCli(["verify-unpickling", checkpoint, ...tinyModelOptions(models), "--out", out, ...args]);
  const result = existsSync(out) ? await readJson(out) : undefined;
  if (result) expect(verificationResult.safeParse(result).success).toBe(true);
  return { run, result, out };
}

describe.skipIf(unavailable)("verify-unpickling", () => {
  beforeAll(async () => {
    dir = await tempDir();
    models = await buildTinyModels(dir);
  });

  it("ok: loads with exactly its requirements, and update-metadata records it as evidence", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "ok.ckpt"), "tiny_models.TinyNet");
    const { run, result, out } = await verify(checkpoint);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(result).toMatchObject({
      status: "ok",
      fault: "none",
      deterministic: true,
      requirements: ["registry-tiny-models==0.1.0", expect.stringMatching(/^torch==/)],
      weightsOnlyLoadable: false,
    });
    // Read by the host after installing and before loading, not reported by the loader.
    expect(result.installed["registry-tiny-models"]).toBe("0.1.0");
    expect(result.installed.torch).toMatch(/^1\./);
    expect(result.platform).toMatchObject({ key: "linux-x86_64-cpu", os: "linux", arch: "x86_64", cudaAvailable: false, torch: expect.stringMatching(/^1\./) });
    expect(Object.keys(result.durationsSeconds)).toEqual(expect.arrayContaining(["scan", "environment", "install", "inspect", "unpickle"]));

    const entries = join(dir, "entries");
    const extract = await runCli([
      "extract-basic-metadata",
      checkpoint,
      "--id",
      "tiny",
      "--url",
      "https://example.org/tiny.ckpt",
      "--hash",
      "--write",
      "--entries",
      entries,
    ]);
    expect(extract.exitCode, extract.stderr).toBe(0);
    const update = await runCli(["update-metadata", "tiny", "--from", out, "--entries", entries]);
    expect(update.exitCode, update.stderr).toBe(0);
    expect(update.stdout).toBe("linux-x86_64-cpu: compatible");
    const entry = await readJson(join(entries, "tiny.json"));
    expect(entry.compatibility["linux-x86_64-cpu"]).toMatchObject({
      status: "compatible",
      statusRule: 1,
      evidence: [{ check: "unpickle", result: "pass", checkpointSha256: result.checkpointSha256 }],
    });
    expect((await runCli(["validate", "--entries", entries])).exitCode).toBe(0);
  });

  it("missing-module: a requirement the metadata leaves out is named", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "missing.ckpt"), "tiny_models.TinyNet", "--omit", "tiny_models");
    const { run, result } = await verify(checkpoint);
    expect(run.exitCode).toBe(0);
    expect(result).toMatchObject({
      status: "missing-module",
      fault: "checkpoint",
      deterministic: true,
      summary: "module tiny_models is not installed",
      detail: { module: "tiny_models" },
    });
    expect(result.checkpointOutput).toMatch(/ModuleNotFoundError: No module named 'tiny_models'$/);
    expect(result.requirementNotes).toContain("the pickle imports tiny_models, which the metadata's module versions do not list: not installed");
  });

  it("a version the wheel folder does not hold is the environment's (environment-error), with pip's reason, never evidence", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "pin.ckpt"), "tiny_models.TinyNet", "--version", "tiny_models=9.9.9");
    const { run, result } = await verify(checkpoint);
    expect(run.exitCode).toBe(0);
    expect(result).toMatchObject({ status: "environment-error", fault: "environment", deterministic: false });
    expect(result.detail.reason).toMatch(/No matching distribution found for registry-tiny-models==9\.9\.9/);
  });

  it("a worker without a reachable package index (an HPC node) records environment-error, not a failure of the checkpoint", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "no-index.ckpt"), "tiny_models.TinyNet");
    const out = join(dir, "no-index.json");
    const run = await runCli([
      "verify-unpickling",
      checkpoint,
      "--python",
      torchPython,
      "--index-url",
      `http://127.0.0.1:${await closedPort()}/simple`,
      "--system-site-packages",
      "--allow-package",
      "tiny_models",
      "--out",
      out,
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = await readJson(out);
    expect(result).toMatchObject({
      status: "environment-error",
      fault: "environment",
      deterministic: false,
      detail: { cause: "the package index could not be reached" },
    });
    expect(result.status).not.toBe("install-failed");
  });

  it("refused-unsafe: a pickle calling os.system is refused, and no Python process touches it", async () => {
    const pickle = await execa(
      torchPython,
      [
        "-c",
        "import os,pickle,sys\nclass P:\n  def __reduce__(self): return (os.system, ('touch pwned',))\nsys.stdout.buffer.write(pickle.dumps(P(), protocol=2))",
      ],
      { encoding: "buffer" },
    );
    const checkpoint = await packMetadataFixture("rmi-lam", await tempDir(), { pickle: pickle.stdout });
    const marker = join(dir, "python-was-run");
    const spy = join(dir, "spy-python");
    await writeFile(spy, `#!/bin/sh\ntouch "${marker}"\nexec ${torchPython} "$@"\n`);
    await chmod(spy, 0o755);
    const run = await runCli(["verify-unpickling", checkpoint, "--python", spy, "--offline", "--find-links", models.wheelhouse]);
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "refused-unsafe", fault: "checkpoint", deterministic: true, detail: { flagged: ["posix.system"] } });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, "pwned"))).toBe(false);
  });

  it("timeout: a module that sleeps on import; the whole process group is gone afterwards", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "slow.ckpt"), "tiny_models.slow.SlowNet");
    const { run, result } = await verify(checkpoint, "--timeout", "4");
    expect(run.exitCode).toBe(0);
    expect(result).toMatchObject({ status: "timeout", fault: "checkpoint", deterministic: false });
    expect(processGroupAlive(result.detail.processGroup)).toBe(false);
  });

  it("out-of-memory: a model that allocates without end, under --memory-limit", async () => {
    const checkpoint = await makeCheckpoint(models, join(dir, "hog.ckpt"), "tiny_models.hog.HogNet");
    const { run, result } = await verify(checkpoint, "--memory-limit", "2048", "--timeout", "120");
    expect(run.exitCode).toBe(0);
    expect(result).toMatchObject({ status: "out-of-memory", fault: "checkpoint", deterministic: true, detail: { memoryLimitMiB: 2048 } });
  });
});
