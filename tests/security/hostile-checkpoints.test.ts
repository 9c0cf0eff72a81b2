// Hostile checkpoints through verify-unpickling, end to end: refused before any Python starts; and with
// --allow-unsafe --no-sandbox, where only the loader's guard stands between the payload and the host, refused
// while loading, with no marker written. The checkpoints are real torch.save files of the test package with
// data.pkl replaced by samples of the hostile corpus (tests/support/hostile_pickles.py).
// Then checkpoints whose own package code is hostile when it runs in the sandbox (tiny_models/hostile.py): it
// reads the host, fills the scratch, forks 2,000 times, leaves stopped and traced processes and daemons behind,
// forges the loader's answer with made-up or true versions, prints terminal escapes, writes into the
// environment; and a checkpoint whose metadata redirects a reviewed import package to another distribution.
// Each must be refused or contained, and none may forge its verdict.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { verificationResult } from "../../src/contract/records/verification.ts";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { repoRoot, runCli, tempDir } from "../support/helpers.ts";
import {
  buildTinyModels,
  checkpointWithPickle,
  makeCheckpoint,
  torchPython,
  torchUnavailable,
  type TinyModels,
  tinyModelOptions,
} from "../support/python-fixtures.ts";
import { runTorchPython } from "../support/torch-python.ts";

const unavailable = await torchUnavailable();
if (unavailable && process.env.CI) throw new Error(`CI must run the hostile checkpoint tests: ${unavailable}`);
if (unavailable) console.log(`skipping the hostile checkpoint tests: ${unavailable}`);

describe.skipIf(unavailable)("hostile checkpoints through verify-unpickling", () => {
  let models: TinyModels;
  let benign: string;
  let markers: string;
  let samples: Record<string, { pickle: string }>;
  beforeAll(async () => {
    const dir = await tempDir("hostile-ckpt-");
    models = await buildTinyModels(dir);
    benign = await makeCheckpoint(models, join(dir, "tiny.ckpt"), "tiny_models.TinyNet");
    markers = join(dir, "markers");
    samples = JSON.parse((await execa(torchPython, [join(repoRoot, "tests", "support", "hostile_pickles.py"), markers])).stdout);
  });

  const verify = (checkpoint: string, ...args: string[]) => runCli(["verify-unpickling", checkpoint, ...tinyModelOptions(models), ...args]);

  // A direct call, a gadget the denylist never knew, a file writer through getattr, and a narrow form abused.
  const chosen = ["os-system", "uuid-command-stdout", "pathlib-touch", "getattr-private-attribute"];

  it.each(chosen)("%s: refused before Python starts", async (name) => {
    const checkpoint = await checkpointWithPickle(benign, Buffer.from(samples[name]!.pickle, "base64"), join(markers, "..", `${name}.ckpt`));
    const run = await verify(checkpoint);
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "refused-unsafe", fault: "checkpoint", deterministic: true });
    expect(result.summary).toMatch(/^refused before running any Python: the pickle is (dangerous|unreviewed)/);
    expect(result.durationsSeconds.install).toBeUndefined();
  });

  it.each(chosen)("%s: with --allow-unsafe --no-sandbox, refused by the loader's guard, and nothing written", async (name) => {
    const checkpoint = await checkpointWithPickle(benign, Buffer.from(samples[name]!.pickle, "base64"), join(markers, "..", `${name}-unsafe.ckpt`));
    const run = await verify(checkpoint, "--allow-unsafe", "--no-sandbox");
    const result = JSON.parse(run.stdout);
    expect(result.status, result.summary).toBe("refused-unsafe");
    expect(result.summary).toMatch(/Refused: (refused global|refused call|getattr of)/);
    await sleep(500);
    expect(existsSync(markers) ? readdirSync(markers) : []).toEqual([]);
  });

  it("loads the benign checkpoint of a package allowed with --allow-package, and refuses it without", async () => {
    expect(JSON.parse((await verify(benign)).stdout).status).toBe("ok");
    const without = await runCli([
      "verify-unpickling",
      benign,
      "--python",
      torchPython,
      "--offline",
      "--find-links",
      models.wheelhouse,
      "--system-site-packages",
    ]);
    expect(JSON.parse(without.stdout)).toMatchObject({ status: "refused-unsafe", detail: { flagged: expect.arrayContaining(["tiny_models.TinyNet"]) } });
  });
});

const noSandbox = unavailable ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (noSandbox && process.env.CI) throw new Error(`CI must run the sandboxed hostile checkpoint tests: ${noSandbox}`);
if (noSandbox) console.log(`skipping the sandboxed hostile checkpoint tests: ${noSandbox}`);

/** Processes on this machine whose command line holds `token`. */
function processesWith(token: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(token);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(noSandbox)("hostile model code inside the sandbox", () => {
  let models: TinyModels;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir("hostile-code-");
    models = await buildTinyModels(dir);
  });

  const hostile = (name: string, ...extra: string[]) => makeCheckpoint(models, join(dir, `${name}.ckpt`), `tiny_models.hostile.${name}`, ...extra);
  const verify = async (checkpoint: string, ...args: string[]) => {
    const run = await runCli(["verify-unpickling", checkpoint, ...tinyModelOptions(models), ...args]);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(verificationResult.safeParse(result).success).toBe(true);
    return { run, result };
  };

  it("reading /etc/shadow, /root and the host's homes: nothing there to read, and what it says is escaped and marked as its own", async () => {
    const { result } = await verify(await hostile("ReadsHost"));
    expect(result).toMatchObject({ status: "unpickle-error", fault: "checkpoint", deterministic: true });
    const found = JSON.parse(/host files: (\{.*\})/.exec(result.checkpointOutput)![1]!);
    expect(found).toEqual({
      "/etc/shadow": "No such file or directory",
      "/etc/gshadow": "No such file or directory",
      "/etc/ssh": "No such file or directory",
      "/root": "No such file or directory",
      "/home": "No such file or directory",
    });
    expect(`${result.summary}${result.checkpointOutput}`).not.toMatch(/root:[^:]*:\d+/);
  });

  it("writing 2 GiB of scratch stops at the scratch's cap, an eighth of --memory-limit, in memory rather than on the host's disk", async () => {
    const { result } = await verify(await hostile("FillsScratch"), "--memory-limit", "2048");
    expect(result.checkpointOutput).toMatch(/scratch full after 256 MiB: No space left on device/);
    expect(result.detail.limits).toMatchObject({ scratchMiB: 256 });
  });

  it("2,000 forks are refused at the process limit, and the run ends with the load, not with the sleeping children", async () => {
    const started = Date.now();
    const { result } = await verify(await hostile("ForkBomb"), "--timeout", "300");
    const made = Number(/forks refused after (\d+): Resource temporarily unavailable/.exec(result.checkpointOutput)?.[1]);
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(1024);
    expect(Date.now() - started).toBeLessThan(280_000);
  });

  it("a SIGSTOPped child, a ptrace-stopped child and a daemon left behind, the reporting process attacked: the run ends with the load and nothing survives", async () => {
    const { result } = await verify(await hostile("LeavesProcesses"), "--timeout", "300");
    expect(result).toMatchObject({ status: "ok", fault: "none" });
    expect(result.durationsSeconds.unpickle).toBeLessThan(250);
    expect(processesWith("3599.2718")).toEqual([]);
  });

  it("forging the loader's answer with made-up versions (and the old result.json) is refused; the record keeps the host's versions", async () => {
    const { result } = await verify(await hostile("ForgesResult"));
    expect(result).toMatchObject({ status: "refused-unsafe", fault: "checkpoint", deterministic: true });
    expect(result.summary).toMatch(/contradicts what the host established.*torch 9\.9\.9/);
    expect(result.platform.torch).toMatch(/^1\./);
    expect(result.installed.torch).toMatch(/^1\./);
    expect(result.weightsOnlyLoadable).toBe(false);
  });

  it("forging it with the true versions, in a checkpoint whose pickle imports a package that is not installed, is refused", async () => {
    // A dict holding the model and then a class of a package that exists only while the checkpoint is made.
    const ghost = join(dir, "ghost");
    await mkdir(join(ghost, "registry_ghost"), { recursive: true });
    await writeFile(join(ghost, "registry_ghost", "__init__.py"), "class Thing:\n    pass\n");
    const checkpoint = join(dir, "forges-exactly.ckpt");
    const script = [
      "import json, platform, sys, zipfile, torch, tiny_models",
      "from tiny_models.hostile import ForgesResultExactly",
      "import registry_ghost",
      "torch.save({'model': ForgesResultExactly(), 'extra': registry_ghost.Thing}, sys.argv[1])",
      "versions = {'torch': torch.__version__, 'tiny_models': tiny_models.__version__}",
      "meta = {'version': '1.0', 'uuid': '00000000-0000-4000-8000-000000000003', 'run_id': 'ghost', 'timestamp': '2026-11-26T00:00:00+00:00',",
      "  'config': {'data': {'timestep': '6h'}, 'training': {'multistep_input': 2, 'precision': '32'}}, 'dataset': {'variables': ['2t'], 'shape': [10, 1, 1, 40]},",
      "  'provenance_training': {'python': platform.python_version(), 'module_versions': versions, 'distribution_names': {'tiny_models': 'registry-tiny-models'}}}",
      "with zipfile.ZipFile(sys.argv[1], 'a') as archive:",
      "  archive.writestr(archive.namelist()[0].split('/')[0] + '/anemoi-metadata/anemoi.json', json.dumps(meta))",
    ].join("\n");
    await runTorchPython(["-c", script, checkpoint], { env: { PYTHONPATH: `${models.source}:${ghost}`, TINY_MODELS_BUILDING: "1" } });
    const { result } = await verify(checkpoint, "--allow-package", "registry_ghost");
    // The guard imports every module the pickle names before any of its code runs, so the forger usually never
    // runs (missing-module); if it did, the host's cross-check refuses its answer. Never "ok".
    if (result.status === "missing-module") expect(result).toMatchObject({ fault: "checkpoint", summary: "module registry_ghost is not installed" });
    else {
      expect(result).toMatchObject({ status: "refused-unsafe", fault: "checkpoint" });
      expect(result.summary).toMatch(/the pickle imports registry_ghost, which is not installed/);
    }
  });

  it("terminal escapes in its exception reach no record and no terminal raw", async () => {
    const { run, result } = await verify(await hostile("EscapesTerminal"));
    expect(result.status).toBe("unpickle-error");
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udfff]/;
    for (const text of [result.summary, result.checkpointOutput, JSON.stringify(result.detail), run.stderr]) expect(text).not.toMatch(raw);
    expect(result.checkpointOutput).toContain("\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x1b[0m\\x0dover\\x9b31mC1 \\ud800 end");
  });

  it("writing into the environment at load time: it is read-only", async () => {
    const { result } = await verify(await hostile("WritesEnvironment"));
    expect(result.checkpointOutput).toMatch(/environment: Read-only file system/);
  });

  it("distribution_names redirecting a reviewed import package (aifs -> evil-aifs) is refused before pip runs, with its own status", async () => {
    const requests: string[] = [];
    const index = createServer((request, response) => {
      requests.push(request.url ?? "");
      response.writeHead(404).end();
    });
    await new Promise<void>((done) => index.listen(0, "127.0.0.1", done));
    try {
      const checkpoint = join(dir, "redirect.ckpt");
      const script = [
        "import json, platform, sys, zipfile, torch, tiny_models",
        "torch.save(tiny_models.TinyNet(), sys.argv[1])",
        "versions = {'torch': torch.__version__, 'tiny_models': tiny_models.__version__, 'aifs': '0.6.1'}",
        "meta = {'version': '1.0', 'uuid': '00000000-0000-4000-8000-000000000004', 'run_id': 'redirect', 'timestamp': '2026-11-26T00:00:00+00:00',",
        "  'config': {'data': {'timestep': '6h'}, 'training': {'multistep_input': 2, 'precision': '32'}}, 'dataset': {'variables': ['2t'], 'shape': [10, 1, 1, 40]},",
        "  'provenance_training': {'python': platform.python_version(), 'module_versions': versions, 'distribution_names': {'tiny_models': 'registry-tiny-models', 'aifs': 'evil-aifs'}}}",
        "with zipfile.ZipFile(sys.argv[1], 'a') as archive:",
        "  archive.writestr(archive.namelist()[0].split('/')[0] + '/anemoi-metadata/anemoi.json', json.dumps(meta))",
      ].join("\n");
      await runTorchPython(["-c", script, checkpoint], { env: { PYTHONPATH: models.source, TINY_MODELS_BUILDING: "1" } });
      const { port } = index.address() as AddressInfo;
      const run = await runCli([
        "verify-unpickling",
        checkpoint,
        "--python",
        torchPython,
        "--index-url",
        `http://127.0.0.1:${port}/simple/`,
        "--system-site-packages",
        "--allow-package",
        "tiny_models",
      ]);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ status: "refused-dependency", fault: "checkpoint", deterministic: true, detail: { flagged: ["aifs"] } });
      expect(result.summary).toContain('aifs -> "evil-aifs" (aifs is aifs)');
      expect(result.durationsSeconds.install).toBeUndefined();
      expect(requests).toEqual([]);
    } finally {
      await new Promise<void>((done) => index.close(() => done()));
    }
  });
});
