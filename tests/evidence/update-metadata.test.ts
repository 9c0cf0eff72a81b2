// update-metadata on real entries with result records: evidence per platform, status re-derived,
// idempotent, unknown fields and key order kept, mismatched results refused.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyOfEntries, readJson, runCli, tempDir } from "../support/helpers.ts";

const id = "aifs-global-o48";
const sha = "a".repeat(64);

function result(overrides: Record<string, unknown> = {}) {
  return {
    kind: "verify-unpickling",
    resultVersion: 1,
    runId: "run-1",
    checkpointId: id,
    checkpointSha256: sha,
    status: "ok",
    summary: "torch.load(weights_only=False) loaded the checkpoint",
    detail: {},
    requirements: ["anemoi-models==0.5.0", "torch==2.6.0"],
    requirementNotes: [],
    installed: { torch: "2.6.0" },
    platform: {
      key: "linux-x86_64-cuda",
      os: "linux",
      arch: "x86_64",
      python: "3.11.8",
      torch: "2.6.0",
      cudaAvailable: true,
      cudaVersion: "12.4",
      accelerator: "NVIDIA H100",
    },
    durationsSeconds: { unpickle: 1.5 },
    tool: { name: "fiab-model-registry verify-unpickling", version: "0.1.0" },
    date: "2026-11-20T10:00:00.000Z",
    ...overrides,
  };
}

async function setup() {
  const entries = await copyOfEntries();
  const file = join(entries, `${id}.json`);
  const doc = await readJson(file);
  doc.source.sha256 = sha;
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  const dir = await tempDir();
  const write = async (name: string, body: unknown) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(body));
    return path;
  };
  return { entries, file, write };
}

describe("update-metadata", () => {
  it("records evidence per platform, derives the status, and is idempotent", async () => {
    const { entries, file, write } = await setup();
    const pass = await write("pass.json", result());
    const fail = await write(
      "fail.json",
      result({
        runId: "run-2",
        status: "missing-module",
        summary: "module flash_attn is not installed",
        platform: { key: "macos-arm64-mps", os: "darwin", arch: "arm64", mpsAvailable: true },
        date: "2026-11-21T10:00:00.000Z",
      }),
    );
    const first = await runCli(["update-metadata", id, "--from", pass, "--from", fail, "--entries", entries, "--json"]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      checkpointId: id,
      added: 2,
      skipped: 0,
      platforms: { "linux-x86_64-cuda": "compatible", "macos-arm64-mps": "incompatible" },
    });
    const doc = await readJson(file);
    expect(Object.keys(doc).indexOf("compatibility")).toBe(Object.keys(doc).indexOf("inputs") - 1);
    expect(doc.compatibility["linux-x86_64-cuda"].evidence[0]).toMatchObject({
      check: "unpickle",
      result: "pass",
      environment: { accelerator: "NVIDIA H100", cuda: "12.4" },
      details: { runId: "run-1" },
    });
    const text = await readFile(file, "utf8");
    const again = await runCli(["update-metadata", id, "--from", pass, "--from", fail, "--entries", entries, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, skipped: 2 });
    expect(await readFile(file, "utf8")).toBe(text);
    expect((await runCli(["validate", "--entries", entries])).exitCode).toBe(0);
  });

  it("lets a later pass supersede an earlier fail of the same check (rule 1)", async () => {
    const { entries, write } = await setup();
    const older = await write(
      "old.json",
      result({ runId: "a", status: "missing-module", summary: "module flash_attn is not installed", date: "2026-11-01T00:00:00.000Z" }),
    );
    const newer = await write("new.json", result({ runId: "b", date: "2026-11-02T00:00:00.000Z" }));
    const run = await runCli(["update-metadata", id, "--from", newer, "--from", older, "--entries", entries]);
    expect(run.stdout).toBe("linux-x86_64-cuda: compatible");
  });

  it("refuses a record of the host's environment failing: it says nothing about the checkpoint", async () => {
    const { entries, file, write } = await setup();
    const before = await readFile(file, "utf8");
    const noIndex = await write(
      "no-index.json",
      result({ runId: "c", status: "environment-error", summary: "pip could not reach the index", fault: "environment", deterministic: false }),
    );
    const run = await runCli(["update-metadata", id, "--from", noIndex, "--entries", entries]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/failed in its host's environment \(environment-error\): it says nothing about the checkpoint/);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("keeps fields it does not know, and the key order", async () => {
    const { entries, file, write } = await setup();
    const doc = await readJson(file);
    doc.futureField = { kept: true };
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
    const run = await runCli(["update-metadata", id, "--from", await write("r.json", result()), "--entries", entries]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain("has fields this tooling does not know; they are kept");
    const after = await readJson(file);
    expect(after.futureField).toEqual({ kept: true });
    expect(Object.keys(after).filter((k) => k !== "compatibility")).toEqual(Object.keys(doc));
  });

  it("refuses a result for another checkpoint id or sha256, and writes nothing", async () => {
    const { entries, file, write } = await setup();
    const before = await readFile(file, "utf8");
    const otherId = await runCli(["update-metadata", id, "--from", await write("id.json", result({ checkpointId: "imerg-gt" })), "--entries", entries]);
    expect(otherId.exitCode).toBe(1);
    expect(otherId.stderr).toMatch(/the result is for checkpoint imerg-gt, not aifs-global-o48/);
    const otherSha = await runCli([
      "update-metadata",
      id,
      "--from",
      await write("sha.json", result({ checkpointSha256: "b".repeat(64) })),
      "--entries",
      entries,
    ]);
    expect(otherSha.exitCode).toBe(1);
    expect(otherSha.stderr).toMatch(/the result's checkpoint sha256 b{64} does not match the entry's a{64}/);
    const unsafe = await runCli(["update-metadata", id, "--from", await write("u.json", result({ status: "refused-unsafe" })), "--entries", entries]);
    expect(unsafe.stderr).toMatch(/refused before running \(refused-unsafe\): it says nothing about compatibility/);
    const broken = await runCli(["update-metadata", id, "--from", await write("b.json", { kind: "verify-unpickling", status: "ok" }), "--entries", entries]);
    expect(broken.stderr).toMatch(/not a valid verify-unpickling result:\nresultVersion: required field is missing/);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("refuses an id that is not a checkpoint id (a path out of the entries folder), and a result whose platform key is not one", async () => {
    const { entries, file, write } = await setup();
    const before = await readFile(file, "utf8");
    const escape = await runCli(["update-metadata", "../../x", "--from", await write("r.json", result()), "--entries", entries]);
    expect(escape.exitCode).toBe(1);
    expect(escape.stderr).toContain(`"../../x" is not a checkpoint id`);
    const proto = await runCli([
      "update-metadata",
      id,
      "--from",
      await write("p.json", result({ platform: { ...result().platform, key: "__proto__" } })),
      "--entries",
      entries,
    ]);
    expect(proto.exitCode).toBe(1);
    expect(proto.stderr).toMatch(/platform key "__proto__" is not a lowercase platform key/);
    expect(await readFile(file, "utf8")).toBe(before);
    expect(({} as Record<string, unknown>).evidence).toBeUndefined();
  });
});
