// Hostile checkpoints through verify-unpickling, end to end: refused before any Python starts; and with
// --allow-unsafe --no-sandbox, where only the loader's guard stands between the payload and the host, refused
// while loading, with no marker written. The checkpoints are real torch.save files of the test package with
// data.pkl replaced by samples of the hostile corpus (tests/support/hostile_pickles.py).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, runCli, tempDir } from "../support/helpers.ts";
import { buildTinyModels, checkpointWithPickle, makeCheckpoint, torchPython, torchUnavailable, type TinyModels } from "../support/python-fixtures.ts";

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

  const verify = (checkpoint: string, ...args: string[]) =>
    runCli(["verify-unpickling", checkpoint, "--python", torchPython, "--offline", "--find-links", models.wheelhouse, "--system-site-packages", "--allow-package", "tiny_models", ...args]);

  // A direct call, a gadget the denylist never knew, a file writer through getattr, and a narrow form abused.
  const chosen = ["os-system", "uuid-command-stdout", "pathlib-touch", "getattr-private-attribute"];

  it.each(chosen)("%s: refused before Python starts", async (name) => {
    const checkpoint = await checkpointWithPickle(benign, Buffer.from(samples[name]!.pickle, "base64"), join(markers, "..", `${name}.ckpt`));
    const run = await verify(checkpoint);
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe("refused-unsafe");
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
    const without = await runCli(["verify-unpickling", benign, "--python", torchPython, "--offline", "--find-links", models.wheelhouse, "--system-site-packages"]);
    expect(JSON.parse(without.stdout)).toMatchObject({ status: "refused-unsafe", detail: { flagged: expect.arrayContaining(["tiny_models.TinyNet"]) } });
  });
});
