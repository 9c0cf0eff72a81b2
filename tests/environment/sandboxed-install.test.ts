// The sandbox as verify-unpickling uses it, end to end with real checkpoints of tiny models (Debian's torch):
// a git or URL requirement from the checkpoint is refused before pip runs unless --allow-source-requirements;
// allowed, pip still has no network with --offline (the wheel on the host's 127.0.0.1 stays out of reach) and
// gets it without; torch's own allocation failure reads as out-of-memory; and without bubblewrap nothing runs
// unless --no-sandbox, which warns.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verificationResult } from "../../src/contract/records/verification.ts";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { repoRoot, runCli, tempDir } from "../support/helpers.ts";
import { buildTinyModels, makeCheckpoint, torchPython, torchUnavailable, type TinyModels, tinyModelOptions } from "../support/python-fixtures.ts";
import { runTorchPython } from "../support/torch-python.ts";

const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the sandboxed verify-unpickling tests: ${unavailable}`);
if (unavailable) console.warn(`skipping sandboxed verify-unpickling tests: ${unavailable}`);

let dir: string;
let models: TinyModels;
let wheel: string;

/**
 * A tiny checkpoint whose metadata names where tiny_models comes from: anemoi's {version, source} form (a
 * checkpoint trained from a git checkout), or a distribution name that is itself a URL requirement.
 */
async function checkpointFrom(name: string, tinyModels: { version: unknown; distribution: string }): Promise<string> {
  const out = join(dir, name);
  const script = [
    "import json, platform, sys, zipfile, torch, tiny_models",
    "torch.save(tiny_models.TinyNet(), sys.argv[1])",
    "versions = {'torch': torch.__version__, 'tiny_models': json.loads(sys.argv[2])}",
    "meta = {'version': '1.0', 'uuid': '00000000-0000-4000-8000-000000000002', 'run_id': 'sourced', 'timestamp': '2026-11-26T00:00:00+00:00',",
    "  'config': {'data': {'timestep': '6h'}, 'training': {'multistep_input': 2, 'precision': '32'}}, 'dataset': {'variables': ['2t'], 'shape': [10, 1, 1, 40]},",
    "  'provenance_training': {'python': platform.python_version(), 'module_versions': versions, 'distribution_names': {'tiny_models': sys.argv[3]}}}",
    "with zipfile.ZipFile(sys.argv[1], 'a') as archive:",
    "  archive.writestr(archive.namelist()[0].split('/')[0] + '/anemoi-metadata/anemoi.json', json.dumps(meta))",
  ].join("\n");
  await runTorchPython(["-c", script, out, JSON.stringify(tinyModels.version), tinyModels.distribution], {
    env: { PYTHONPATH: models.source, TINY_MODELS_BUILDING: "1" },
  });
  return out;
}

async function verify(checkpoint: string, ...args: string[]) {
  const run = await runCli(["verify-unpickling", checkpoint, "--python", torchPython, "--system-site-packages", "--allow-package", "tiny_models", ...args]);
  const result = run.stdout.startsWith("{") ? JSON.parse(run.stdout) : undefined;
  if (result) expect(verificationResult.safeParse(result).success).toBe(true);
  return { run, result };
}

describe.skipIf(unavailable)("verify-unpickling in the sandbox", () => {
  let requests: string[] = [];
  let origin: string;
  const server = createServer((request, response) => {
    requests.push(request.url ?? "");
    if (request.url === "/registry_tiny_models-0.1.0-py3-none-any.whl") {
      readFile(wheel).then(
        (bytes) => response.end(bytes),
        () => response.writeHead(500).end(),
      );
    } else response.writeHead(404).end();
  });

  beforeAll(async () => {
    dir = await tempDir();
    models = await buildTinyModels(dir);
    wheel = join(models.wheelhouse, "registry_tiny_models-0.1.0-py3-none-any.whl");
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("a git requirement from the checkpoint is refused before pip runs, naming it and --allow-source-requirements", async () => {
    const source = { url: "https://example.invalid/tiny-models.git", vcs_info: { vcs: "git", commit_id: "0123456789abcdef0123456789abcdef01234567" } };
    const checkpoint = await checkpointFrom("git.ckpt", { version: { version: "0.1.0", source }, distribution: "registry-tiny-models" });
    const { run, result } = await verify(checkpoint, "--offline", "--find-links", models.wheelhouse);
    expect(run.exitCode).toBe(0);
    const requirement = "registry-tiny-models @ git+https://example.invalid/tiny-models.git@0123456789abcdef0123456789abcdef01234567";
    expect(result).toMatchObject({
      status: "install-failed",
      fault: "checkpoint",
      deterministic: true,
      requirements: [requirement, expect.stringMatching(/^torch==/)],
    });
    expect(result.summary).toContain(`"${requirement}"`);
    expect(result.summary).toContain("--allow-source-requirements");
    expect(result.detail).toMatchObject({ reason: expect.stringContaining("is a VCS requirement"), log: "" });
    expect(result.durationsSeconds.install).toBeUndefined();
  });

  it("a URL requirement: refused; allowed with --offline, pip cannot reach the host's 127.0.0.1; allowed with the network, it installs", async () => {
    // The pin the registry appends lands in the URL's fragment, where pip ignores it.
    const checkpoint = await checkpointFrom("url.ckpt", {
      version: "0.1.0",
      distribution: `registry-tiny-models @ ${origin}/registry_tiny_models-0.1.0-py3-none-any.whl#`,
    });
    requests = [];
    const refused = await verify(checkpoint, "--offline");
    expect(refused.result).toMatchObject({ status: "install-failed", summary: expect.stringContaining("is a direct URL requirement") });
    expect(requests).toEqual([]);

    const offline = await verify(checkpoint, "--offline", "--allow-source-requirements");
    // No network is this host's state, not the checkpoint's failure.
    expect(offline.result).toMatchObject({ status: "environment-error", fault: "environment" });
    expect(offline.result.detail.reason).toMatch(/127\.0\.0\.1.*(Connection refused|Network is unreachable)/);
    expect(requests).toEqual([]);

    const online = await verify(checkpoint, "--index-url", `${origin}/simple/`, "--allow-source-requirements");
    expect(online.run.exitCode, online.run.stderr).toBe(0);
    expect(online.result).toMatchObject({ status: "ok", installed: { "registry-tiny-models": "0.1.0" } });
    expect(requests).toContain("/registry_tiny_models-0.1.0-py3-none-any.whl");
  });

  it("torch's allocator failing under the memory limit reads as out-of-memory", async () => {
    // Unpickling allocates 8 GiB with torch.empty: torch's CPU allocator fails with a RuntimeError, not a MemoryError.
    const checkpoint = await makeCheckpoint(models, join(dir, "alloc.ckpt"), "tiny_models.hog.TorchHogNet");
    const { run, result } = await verify(checkpoint, "--offline", "--find-links", models.wheelhouse, "--memory-limit", "2048");
    expect(run.exitCode).toBe(0);
    expect(result).toMatchObject({
      status: "out-of-memory",
      fault: "checkpoint",
      detail: {
        memoryLimitMiB: 2048,
        error: { type: "builtins.RuntimeError", message: expect.stringContaining("DefaultCPUAllocator: can't allocate memory") },
      },
    });
  });

  describe("without bubblewrap on PATH", () => {
    const withoutBwrap = (checkpoint: string, ...args: string[]) =>
      execa(process.execPath, [join(repoRoot, "tooling", "registry.mjs"), "verify-unpickling", checkpoint, ...tinyModelOptions(models), ...args], {
        cwd: repoRoot,
        reject: false,
        env: { NO_COLOR: "1", PATH: join(dir, "no-such-folder") },
      });

    it("refuses to run, naming the package to install and --no-sandbox, in a record of the environment's failure", async () => {
      const checkpoint = await makeCheckpoint(models, join(dir, "plain.ckpt"), "tiny_models.TinyNet");
      const run = await withoutBwrap(checkpoint);
      expect(run.exitCode).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ status: "environment-error", fault: "environment", deterministic: false, installed: {} });
      expect(result.summary).toContain("apt-get install bubblewrap");
      expect(result.summary).toContain("--no-sandbox");
      expect(run.stderr).toContain("apt-get install bubblewrap");
    });

    it("runs with --no-sandbox, saying on stderr what is lost", async () => {
      const checkpoint = await makeCheckpoint(models, join(dir, "plain-unsandboxed.ckpt"), "tiny_models.TinyNet");
      const run = await withoutBwrap(checkpoint, "--no-sandbox");
      expect(run.exitCode, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: "ok" });
      expect(run.stderr).toContain("warning: --no-sandbox");
    });
  });
});
