// Validation of whole folders: what the data cases of invalid-entries.test.ts cannot hold (file names, case
// collisions, links, sizes) and the command's output.
import { mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { formatRegistryProblem } from "../../src/registry/problem.ts";
import { validateEntries } from "../../src/registry/validate.ts";
import { catalogEntryCount, copyOfCatalogEntries as copyOfEntries } from "../support/catalog-entries.ts";
import { editJson, runCli } from "../support/helpers.ts";

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
  it("accepts the catalog's entries", async () => {
    expect(await problemsAfter(async () => {})).toEqual([]);
  });

  it("refuses a symbolic link as an entry file", async () => {
    const problems = await problemsAfter(async (dir) => {
      await rename(join(dir, `${o48}.json`), join(dir, "..", "elsewhere.json"));
      await symlink(join(dir, "..", "elsewhere.json"), join(dir, `${o48}.json`));
    });
    expect(problems).toEqual([`${o48}.json: is a symbolic link: entry files must be regular files (a link can point outside the entries folder)`]);
  });

  it("refuses a FIFO or a folder named like an entry file, without waiting on the FIFO", async () => {
    const problems = await problemsAfter(async (dir) => {
      await execa("mkfifo", [join(dir, "a-fifo.json")]);
      await mkdir(join(dir, "a-folder.json"));
    });
    expect(problems).toEqual(["a-fifo.json: is not a regular file", "a-folder.json: is not a regular file"]);
  });

  it("reports every problem at once, across files", async () => {
    const problems = await problemsAfter(async (dir) => {
      await edit(o48, (d) => {
        d.display.author = 1;
        d.extra = true;
      })(dir);
      await edit(sdpa, (d) => (d.schemaVersion = 0))(dir);
    });
    expect(problems).toHaveLength(3);
  });

  it("requires the file name to be a valid checkpoint id", async () => {
    expect(await problemsAfter((dir) => rename(join(dir, `${o48}.json`), join(dir, "aifs global.json")))).toEqual([
      `aifs global.json: file name "aifs global" is not a valid checkpoint id: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters`,
    ]);
  });

  it("refuses ids that differ only in case", async () => {
    const problems = await problemsAfter(async (dir) => {
      const doc = JSON.parse(await readFile(join(dir, "imerg-gt.json"), "utf8"));
      doc.source.url += "?other-file";
      await writeFile(join(dir, "IMERG-gt.json"), JSON.stringify(doc));
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^imerg-gt\.json: id "imerg-gt" differs from "IMERG-gt" \(.*IMERG-gt\.json\) only in case: both would be one file on macOS and Windows$/,
      ),
    ]);
  });

  it("refuses a sha256 shared with an entry that is not a declared variant, and allows it between variants", async () => {
    const problems = await problemsAfter(async (dir) => {
      for (const id of [o48, "imerg-gt"]) await edit(id, (d) => (d.source.sha256 = "a".repeat(64)))(dir);
      for (const id of [sdpa, "aifs-single-mse-1.1_w_flash_attn"]) await edit(id, (d) => (d.source.sha256 = "b".repeat(64)))(dir);
    });
    expect(problems).toEqual([expect.stringMatching(/^imerg-gt\.json: source\.sha256: same sha256 as .*aifs-global-o48\.json/)]);
  });
});

describe("validate command", () => {
  it("exits 0 and prints nothing on stdout for valid entries; warnings go to stderr, one per kind with a count, every one with --verbose", async () => {
    const dir = await copyOfEntries();
    const result = await runCli(["validate", "--entries", dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
    // FIAB's store names lam_0 as BRIS-2025.10's region, which its input options do not hold; and three nested
    // models name their limited area but not its bounds.
    const region = `${join(dir, "BRIS-2025.10.json")}: configuration.regionOfInterest: is "lam_0", not one of the input_options regions ("source0", "global"), which get_additional_kwargs requires: FIAB would fail to run it, so FIAB's core-1 and core-2 views leave the entry out; fix: name the forecast region among "source0", "global" in configuration.regionOfInterest, or rename its input option`;
    const area = (where: string) =>
      `${join(dir, where)}.area: a limited-area dataset without bounds: the catalog cannot draw its map; fix: extract-basic-metadata <url> --write reads them from the checkpoint, or write the area from the publisher's documentation`;
    const areas = ["BRIS-2025.10.json: inputs.datasets[1]", "BRIS-Malawi-2025.10.json: inputs.datasets[0]", "aila-v2.json: inputs.datasets[0]"];
    const summary = `validate: ${catalogEntryCount} entries in ${dir}, no problems, 4 warnings`;
    expect(result.stderr.split("\n")).toEqual([`warning: ${region}`, `warning: ${area(areas[0]!)} (and 2 more like it; --verbose lists each)`, summary]);
    const verbose = await runCli(["validate", "--entries", dir, "--verbose"]);
    expect(verbose.stderr.split("\n")).toEqual([`warning: ${region}`, ...areas.map((where) => `warning: ${area(where)}`), summary]);
    expect((await runCli(["validate", "--entries", dir, "--quiet"])).stderr).toBe("");
  });

  it("warns, naming the field and the command that fills it, about an entry FIAB's views will leave out, and still exits 0", async () => {
    const dir = await copyOfEntries();
    await edit(o48, (d) => {
      delete d.model.timestep;
      delete d.source.sizeBytes;
    })(dir);
    const result = await runCli(["validate", "--entries", dir, "--json"]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    const read = "npm run -s registry -- extract-basic-metadata 'https://sites.ecmwf.int/repository/fiab/testing/checkpoints/aifs-global-o48.ckpt' --write";
    expect(report.warnings.filter((w: any) => w.file.endsWith(`${o48}.json`))).toEqual([
      {
        file: join(dir, `${o48}.json`),
        path: "source.sizeBytes",
        message: `missing, so FIAB's core-1 and core-2 views leave the entry out; fix: run \`${read}\` (it records the file's size), or write source.sizeBytes`,
      },
      {
        file: join(dir, `${o48}.json`),
        path: "model.timestep",
        message: `missing, so FIAB's core-1 and core-2 views leave the entry out; fix: run \`${read}\`, which reads it from the checkpoint`,
      },
    ]);
  });

  it("warns about a time step FIAB's runtime cannot parse, an empty description or author, and an estimate without its rule", async () => {
    const dir = await copyOfEntries();
    await edit(o48, (d) => {
      d.model.timestep = "1d";
      d.display.description = " ";
      d.display.author = "";
      delete d.infrastructure.gpuMemory.rule;
    })(dir);
    const { warnings } = await validateEntries(dir);
    expect(warnings.filter((w) => w.file.endsWith(`${o48}.json`)).map((w) => formatRegistryProblem({ ...w, file: `${o48}.json` }))).toEqual([
      `${o48}.json: model.timestep: FIAB's runtime (earthkit-data's to_timedelta) cannot parse "1d": the views publish "24h"; fix: write "24h"; expected one number and one unit: <n>h for whole hours, else <n>m, else <n>s; found "1d"`,
      `${o48}.json: display.description: empty: the catalog and FIAB's model picker show nothing there; fix: write the model's purpose, domain and how it differs from its siblings from the publisher's model card, with the card in sources`,
      `${o48}.json: display.author: empty: the catalog and FIAB's model picker show nothing there; fix: write the publisher from the publisher's model card, with the card in sources`,
      `${o48}.json: infrastructure.gpuMemory.rule: an estimate without its rule: readers cannot tell how it was made; fix: write the rule (see the contract page)`,
    ]);
  });

  it("warns about an area the catalog cannot draw", async () => {
    const dir = await copyOfEntries();
    await edit(o48, (d) => (d.inputs.datasets = [{ name: "data", domain: "limited-area", area: "north of Oslo" }]))(dir);
    const { warnings } = await validateEntries(dir);
    expect(warnings.filter((w) => w.file.endsWith(`${o48}.json`)).map(formatRegistryProblem)).toEqual([
      `${join(dir, `${o48}.json`)}: inputs.datasets[0].area: not an area the catalog can draw; expected north/west/south/east in degrees, e.g. "70/-20/20/30"; found "north of Oslo"`,
    ]);
  });

  it("exits 1 and lists problems, as JSON with --json", async () => {
    const dir = await copyOfEntries();
    await edit(o48, (d) => delete d.source.url)(dir);
    const result = await runCli(["validate", "--entries", dir, "--json"]);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: false, entries: catalogEntryCount, problems: [{ path: "source.url", message: "required field is missing" }] });
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
