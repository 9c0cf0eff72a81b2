// Every class of validation problem, with the message a contributor sees.
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatRegistryProblem } from "../../src/registry/problem.ts";
import { validateEntries } from "../../src/registry/validate.ts";
import { copyOfEntries, editJson, runCli } from "../support/helpers.ts";

const sdpa = "aifs-single-mse-1.1_w_sdpa";
const o48 = "aifs-global-o48";

async function problemsAfter(change: (dir: string) => Promise<void>): Promise<string[]> {
  const dir = await copyOfEntries();
  await change(dir);
  const { problems } = await validateEntries(dir);
  return problems.map((p) => formatRegistryProblem({ ...p, file: p.file.slice(p.file.lastIndexOf("/") + 1) }));
}
const edit = (id: string, change: (doc: any) => void) => (dir: string) => editJson(join(dir, `${id}.json`), change);

describe("validate", () => {
  it("accepts the real entries", async () => {
    expect(await problemsAfter(async () => {})).toEqual([]);
  });

  it("locates JSON syntax errors by line and column", async () => {
    const problems = await problemsAfter((dir) => writeFile(join(dir, `${o48}.json`), '{\n  "schemaVersion": 1,\n  "display": {,\n}\n'));
    expect(problems).toEqual([`${o48}.json:3:15: invalid JSON: Expected property name or '}'`]);
  });

  it("reports a missing required field", async () => {
    expect(await problemsAfter(edit(o48, (d) => delete d.display.name)))
      .toEqual([`${o48}.json: display.name: required field is missing; expected string; found nothing`]);
  });

  it("reports a wrong type with expected and found values", async () => {
    expect(await problemsAfter(edit(o48, (d) => (d.source.sizeBytes = "188732703"))))
      .toEqual([`${o48}.json: source.sizeBytes: Invalid input: expected number, received string; expected number; found "188732703"`]);
  });

  it("reports a value outside its format", async () => {
    expect(await problemsAfter(edit(o48, (d) => (d.source.sha256 = "ABC"))))
      .toEqual([`${o48}.json: source.sha256: 64 lowercase hexadecimal digits; found "ABC"`]);
  });

  it("reports unknown fields (typos) with their path", async () => {
    expect(await problemsAfter(edit(o48, (d) => (d.model.timeStep = "6h"))))
      .toEqual([`${o48}.json: model.timeStep: unknown field (a typo? the contract page lists the fields); expected no such field; found "6h"`]);
  });

  it("reports every problem at once, across files", async () => {
    const problems = await problemsAfter(async (dir) => {
      await edit(o48, (d) => { d.display.author = 1; d.extra = true; })(dir);
      await edit(sdpa, (d) => (d.schemaVersion = 0))(dir);
    });
    expect(problems).toHaveLength(3);
  });

  it("says when an entry is written for a newer schemaVersion", async () => {
    expect(await problemsAfter(edit(o48, (d) => (d.schemaVersion = 2))))
      .toEqual([`${o48}.json: schemaVersion: entry is written for schema version 2, newer than this tooling knows (1): update the registry tooling; expected 1; found 2`]);
  });

  it("requires the file name to be a valid checkpoint id", async () => {
    expect(await problemsAfter((dir) => rename(join(dir, `${o48}.json`), join(dir, "aifs global.json"))))
      .toEqual([`aifs global.json: file name "aifs global" is not a valid checkpoint id: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters`]);
  });

  it("refuses ids that differ only in case", async () => {
    const problems = await problemsAfter(async (dir) => {
      const doc = JSON.parse(await readFile(join(dir, "imerg-gt.json"), "utf8"));
      doc.source.url += "?other-file";
      await writeFile(join(dir, "IMERG-gt.json"), JSON.stringify(doc));
    });
    expect(problems).toEqual([expect.stringMatching(/^imerg-gt\.json: id "imerg-gt" differs from "IMERG-gt" \(.*IMERG-gt\.json\) only in case: both would be one file on macOS and Windows$/)]);
  });

  it("refuses a URL shared with an entry that is not a declared variant", async () => {
    expect(await problemsAfter(edit("imerg-gt", (d) => (d.source.url = "https://sites.ecmwf.int/repository/fiab/testing/checkpoints/aifs-global-o48.ckpt"))))
      .toEqual([expect.stringMatching(/^imerg-gt\.json: source\.url: same url as .*aifs-global-o48\.json \(source\.url\); entries for one checkpoint file must list each other in "variants"; found "https:\/\/sites.ecmwf.int\/repository\/fiab\/testing\/checkpoints\/aifs-global-o48.ckpt"$/)]);
  });

  it("refuses a sha256 shared with an entry that is not a declared variant, and allows it between variants", async () => {
    const problems = await problemsAfter(async (dir) => {
      for (const id of [o48, "imerg-gt"]) await edit(id, (d) => (d.source.sha256 = "a".repeat(64)))(dir);
      for (const id of [sdpa, "aifs-single-mse-1.1_w_flash_attn"]) await edit(id, (d) => (d.source.sha256 = "b".repeat(64)))(dir);
    });
    expect(problems).toEqual([expect.stringMatching(/^imerg-gt\.json: source\.sha256: same sha256 as .*aifs-global-o48\.json/)]);
  });

  it("checks variants: they exist, are not the entry itself, and are listed on both sides", async () => {
    const problems = await problemsAfter(async (dir) => {
      await edit(o48, (d) => (d.variants = ["aifs-global-o48", "no-such-entry", "imerg-gt"]))(dir);
    });
    expect(problems).toEqual([
      `${o48}.json: variants[0]: an entry cannot be its own variant; found "aifs-global-o48"`,
      `${o48}.json: variants[1]: variant names no entry; expected the id of an entry in this folder; found "no-such-entry"`,
      expect.stringMatching(/^aifs-global-o48\.json: variants\[2\]: variants must be listed on both sides: add "aifs-global-o48" to the variants of .*imerg-gt\.json; found "imerg-gt"$/),
    ]);
  });

  it("checks that each platform status follows from its evidence under its rule", async () => {
    const evidence = { check: "unpickle", result: "fail", date: "2026-11-20T10:00:00Z", tool: { name: "registry", version: "0.1.0" }, environment: { os: "linux" } };
    const problems = await problemsAfter(edit(o48, (d) => (d.compatibility = {
      "linux-x86_64-cpu": { status: "compatible", statusRule: 1, evidence: [evidence] },
      "macos-arm64-mps": { status: "unknown", statusRule: 9, evidence: [] },
    })));
    expect(problems).toEqual([
      `${o48}.json: compatibility["linux-x86_64-cpu"].status: status does not follow from the evidence under rule 1 (run update-metadata, or fix the evidence); expected "incompatible"; found "compatible"`,
      `${o48}.json: compatibility["macos-arm64-mps"].statusRule: unknown status rule; expected 1; found 9`,
    ]);
  });

  it("refuses platform keys that are not lowercase keys", async () => {
    const problems = await problemsAfter(edit(o48, (d) => (d.compatibility = { "Linux CUDA": { status: "unknown", statusRule: 1, evidence: [] } })));
    expect(problems[0]).toContain('compatibility["Linux CUDA"]');
  });
});

describe("validate command", () => {
  it("exits 0 and prints nothing on stdout for valid entries", async () => {
    const result = await runCli(["validate", "--entries", await copyOfEntries()]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^validate: 11 entries in .*, no problems$/);
  });

  it("exits 1 and lists problems, as JSON with --json", async () => {
    const dir = await copyOfEntries();
    await edit(o48, (d) => delete d.source.url)(dir);
    const result = await runCli(["validate", "--entries", dir, "--json"]);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: false, entries: 11, problems: [{ path: "source.url", message: "required field is missing" }] });
  });

  it("refuses an entries folder that does not exist", async () => {
    const result = await runCli(["validate", "--entries", "/nonexistent/entries"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('registry validate: entries folder "/nonexistent/entries" does not exist (pass --entries DIR)');
  });

  it("caps the size of an entry file", async () => {
    const dir = await copyOfEntries();
    await rm(join(dir, `${o48}.json`));
    await writeFile(join(dir, `${o48}.json`), " ".repeat(16 * 1024 * 1024 + 1));
    const result = await runCli(["validate", "--entries", dir]);
    expect(result.stdout).toContain(`${o48}.json: file is 16777217 bytes, over the 16777216-byte cap for an entry`);
  });
});
