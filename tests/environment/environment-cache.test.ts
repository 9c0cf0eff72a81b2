// --environment-cache end to end: verify-unpickling of real tiny checkpoints, sandboxed. The first run makes
// and keeps the environment, the next one with the same install reuses it (no install, the same facts read
// afresh by the host); another wheelhouse is another install; a failed install is never kept; an entry
// another process is building is left alone (a private environment instead); and a build cut short is redone.
import { existsSync, readdirSync, statSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { takeExclusiveLock } from "../../src/files/exclusive-lock.ts";
import { findOnPath } from "../../tooling/environment/sandbox.ts";
import { readJson, runCli, tempDir } from "../support/helpers.ts";
import { buildTinyModels, makeCheckpoint, torchUnavailable, type TinyModels, tinyModelOptions } from "../support/python-fixtures.ts";

const unavailable = (await torchUnavailable()) ?? (findOnPath("bwrap") ? undefined : "bubblewrap (bwrap) is not on PATH (apt-get install bubblewrap)");
if (unavailable && process.env.CI) throw new Error(`CI must run the environment cache tests: ${unavailable}`);
if (unavailable) console.warn(`skipping the environment cache tests: ${unavailable}`);

describe.skipIf(unavailable)("the environment cache", () => {
  let dir: string;
  let models: TinyModels;
  let checkpoint: string;
  let cache: string;
  // The first run's entry: the tests after it add others, and a folder lists its files in no set order.
  let key: string;
  beforeAll(async () => {
    dir = await tempDir("env-cache-");
    models = await buildTinyModels(dir);
    checkpoint = await makeCheckpoint(models, join(dir, "tiny.ckpt"), "tiny_models.TinyNet");
    cache = join(dir, "cache");
  });

  const verify = async (target = checkpoint) => {
    const out = join(dir, `result-${Math.random().toString(36).slice(2)}.json`);
    const run = await runCli(["verify-unpickling", target, ...tinyModelOptions(models, { fresh: true }), "--environment-cache", cache, "--out", out]);
    expect(run.exitCode, run.stderr).toBe(0);
    return { run, result: await readJson(out) };
  };
  const entries = () => readdirSync(cache).filter((name) => name.endsWith(".json"));

  it("keeps the first run's environment and reuses it: no install, the same facts, read again by the host", async () => {
    const first = await verify();
    expect(first.result).toMatchObject({ status: "ok", installed: { "registry-tiny-models": "0.1.0" } });
    expect(first.result.durationsSeconds.install).toBeGreaterThan(0);
    expect(entries()).toHaveLength(1);
    key = entries()[0]!.replace(/\.json$/, "");
    const kept = join(cache, key);
    // Under root the install ran as the sandbox's uid; what is kept is root's again, and nobody else may write it.
    if (process.getuid?.() === 0) expect(statSync(join(kept, "lib")).uid).toBe(0);
    expect(statSync(kept).mode & 0o022).toBe(0);

    const second = await verify();
    expect(second.run.stderr).toContain(`reusing the environment ${kept}`);
    expect(second.result).toMatchObject({ status: "ok", fault: "none" });
    expect(second.result.durationsSeconds.install).toBeUndefined();
    expect(second.result.durationsSeconds.inspect).toBeGreaterThan(0);
    expect(second.result.installed).toEqual(first.result.installed);
    expect(entries()).toEqual([`${key}.json`]);
  });

  it("a wheelhouse that changed is another install, made and kept beside the first", async () => {
    const before = entries();
    await writeFile(join(models.wheelhouse, "README.txt"), "a file more in the wheel folder\n");
    try {
      const { result } = await verify();
      expect(result.durationsSeconds.install).toBeGreaterThan(0);
      expect(entries()).toHaveLength(before.length + 1);
    } finally {
      await rm(join(models.wheelhouse, "README.txt"));
    }
  });

  it("never keeps a failed install, nor the folder it was made in", async () => {
    const before = readdirSync(cache).filter((name) => !name.endsWith(".lock"));
    const pinned = await makeCheckpoint(models, join(dir, "pinned.ckpt"), "tiny_models.TinyNet", "--version", "tiny_models=9.9.9");
    const { result } = await verify(pinned);
    expect(result).toMatchObject({ status: "environment-error", fault: "environment" });
    expect(result.summary).toContain("registry-tiny-models==9.9.9");
    expect(readdirSync(cache).filter((name) => !name.endsWith(".lock"))).toEqual(before);
  });

  it("leaves an entry another process is building alone, and redoes one whose build was cut short", async () => {
    // A build cut short: the folder without its record.
    await rm(join(cache, `${key}.json`));
    const lock = takeExclusiveLock(join(cache, `${key}.lock`));
    expect(lock).not.toBe("held");
    try {
      const { run, result } = await verify();
      expect(run.stderr).toContain("another process is making this environment");
      expect(result).toMatchObject({ status: "ok" });
      expect(result.durationsSeconds.install).toBeGreaterThan(0);
      expect(existsSync(join(cache, `${key}.json`))).toBe(false);
    } finally {
      if (lock !== "held") lock.release();
    }
    const { run, result } = await verify();
    expect(run.stderr).not.toContain("reusing");
    expect(result).toMatchObject({ status: "ok" });
    expect(existsSync(join(cache, `${key}.json`))).toBe(true);
    expect((await verify()).run.stderr).toContain("reusing the environment");
  });
});
