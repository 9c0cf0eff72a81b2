// FIAB's real stores go into entries and come back out unchanged: nothing of an artifact is lost.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { core1Artifact, core2Artifact } from "../../src/fiab/store-contract.ts";
import { fixture, readJson, runCli, tempDir } from "../support/helpers.ts";

async function roundTrip(store: string, contract: string) {
  const entries = join(await tempDir(), "entries");
  const imported = await runCli(["import-fiab-store", fixture(store), "--entries", entries, "--json"]);
  expect(imported.exitCode, imported.stderr).toBe(0);
  const exported = await runCli(["export-fiab-store", "--contract", contract, "--entries", entries]);
  expect(exported.exitCode, exported.stderr).toBe(0);
  return { entries, summary: JSON.parse(imported.stdout), document: JSON.parse(exported.stdout), stderr: exported.stderr };
}

// FIAB's own core-2 store (c2.0.1.0) names lam_0 as BRIS-2025.10's region of interest while its input options
// are source0 and global: fiab-plugin-ecmwf's CheckpointArtifact.get_additional_kwargs raises on that, so the
// views leave it out rather than publish a model FIAB fails to run.
const runtimeFailure = "BRIS-2025.10";

describe("import-fiab-store then export-fiab-store", () => {
  it("gives back core-2's artifacts.json, less the artifact FIAB's runtime would fail on", async () => {
    const { summary, document, stderr } = await roundTrip("fiab/artifacts.core-2.json", "core-2");
    expect(summary.created).toHaveLength(11);
    const expected = await readJson(fixture("fiab/artifacts.core-2.json"));
    delete expected.artifacts[runtimeFailure];
    expect(document).toEqual(expected);
    expect(stderr).toBe(
      `export-fiab-store: ${runtimeFailure} left out of the core-2 view: configuration.regionOfInterest: is "lam_0", not one of the input_options regions ("source0", "global"), which get_additional_kwargs requires: FIAB would fail to run it`,
    );
    for (const artifact of Object.values(document.artifacts)) expect(core2Artifact.safeParse(artifact).success).toBe(true);
  });

  it("gives back core-1's artifacts.json", async () => {
    const { document } = await roundTrip("fiab/artifacts.core-1.json", "core-1");
    expect(document).toEqual(await readJson(fixture("fiab/artifacts.core-1.json")));
    for (const artifact of Object.values(document.artifacts)) expect(core1Artifact.safeParse(artifact).success).toBe(true);
  });

  it("links the variants of one checkpoint file both ways", async () => {
    const { entries } = await roundTrip("fiab/artifacts.core-2.json", "core-2");
    const variants = async (id: string) => (await readJson(join(entries, `${id}.json`))).variants;
    expect(await variants("aifs-single-mse-1.1_w_flash_attn")).toEqual(["aifs-single-mse-1.1_w_flash_attn_aarch64", "aifs-single-mse-1.1_w_sdpa"]);
    expect(await variants("aifs-ens-crps-1.0_w_sdpa")).toEqual(["aifs-ens-crps-1.0_w_flash_attn"]);
    expect(await variants("aifs-global-o48")).toBeUndefined();
  });

  it("is idempotent and keeps what the store does not describe", async () => {
    const entries = join(await tempDir(), "entries");
    await runCli(["import-fiab-store", fixture("fiab/artifacts.core-2.json"), "--entries", entries]);
    const file = join(entries, "imerg-gt.json");
    const doc = await readJson(file);
    doc.provenance = { uuid: "d2b3f7c4-0000-4000-8000-000000000000" };
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
    const again = await runCli(["import-fiab-store", fixture("fiab/artifacts.core-2.json"), "--entries", entries, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: [], updated: [] });
    expect((await readJson(file)).provenance).toEqual(doc.provenance);
  });

  it("leaves out of a view, with a warning, an entry missing a field the view needs", async () => {
    const { entries } = await roundTrip("fiab/artifacts.core-2.json", "core-2");
    const file = join(entries, "imerg-gt.json");
    const doc = await readJson(file);
    delete doc.source.sizeBytes;
    delete doc.model;
    await writeFile(file, JSON.stringify(doc));
    const exported = await runCli(["export-fiab-store", "--contract", "core-1", "--entries", entries]);
    expect(exported.exitCode).toBe(0);
    expect(exported.stderr.split("\n").filter((line) => !line.includes(runtimeFailure))).toEqual([
      "export-fiab-store: imerg-gt left out of the core-1 view: missing source.sizeBytes, model.timestep",
    ]);
    expect(Object.keys(JSON.parse(exported.stdout).artifacts)).not.toContain("imerg-gt");
  });
});

describe("import-fiab-store refuses bad input and writes nothing", () => {
  async function importText(text: string) {
    const dir = await tempDir();
    const store = join(dir, "store.json");
    await writeFile(store, text);
    const result = await runCli(["import-fiab-store", store, "--entries", join(dir, "entries")]);
    const written = await readdir(join(dir, "entries")).catch(() => []);
    return { result, written, store, dir };
  }

  it("a file that is not JSON, located by line and column", async () => {
    const { result, written, store } = await importText('{"display_name": "x",\n "artifacts": {]}');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`registry import-fiab-store: ${store}:2:16: invalid JSON: Expected property name or '}'`);
    expect(written).toEqual([]);
  });

  it("an artifact that breaks FIAB's contract, naming the field", async () => {
    const doc = JSON.parse(await readFile(fixture("fiab/artifacts.core-2.json"), "utf8"));
    doc.artifacts["imerg-gt"].common.disk_size_bytes = "big";
    const { result, written } = await importText(JSON.stringify(doc));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('artifacts["imerg-gt"].common.disk_size_bytes: wrong type; expected number; found "big"');
    expect(written).toEqual([]);
  });

  it("an artifact id that is not a valid checkpoint id", async () => {
    const doc = JSON.parse(await readFile(fixture("fiab/artifacts.core-2.json"), "utf8"));
    doc.artifacts["../escape"] = doc.artifacts["imerg-gt"];
    const { result, written, dir } = await importText(JSON.stringify(doc));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('artifacts["../escape"]: artifact id "../escape" is not a valid checkpoint id');
    expect(written).toEqual([]);
    expect(await readdir(dir)).toEqual(["store.json"]);
  });
});

describe("import-fiab-store over entries that say more than the store", () => {
  it("keeps an entry's description when the store's is empty", async () => {
    const { entries } = await roundTrip("fiab/artifacts.core-2.json", "core-2");
    const file = join(entries, "imerg-gt.json");
    const doc = await readJson(file);
    doc.display.description = "A description from the publisher's model card.";
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
    const again = await runCli(["import-fiab-store", fixture("fiab/artifacts.core-2.json"), "--entries", entries]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await readJson(file)).display.description).toBe("A description from the publisher's model card.");
  });
});
