// extract-basic-metadata on real files: the AIFS dummy checkpoint, and the real metadata fixtures packed
// into torch-like checkpoints. Values are checked field by field against the metadata they came from.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseEntry } from "../../src/contract/index.ts";
import { extractCheckpoint } from "../../tooling/anemoi/extract.ts";
import { FileSource } from "../../tooling/source/file-source.ts";
import { fixture, runCli, tempDir } from "../support/helpers.ts";
import { lamArea, packMetadataFixture, readMetadataFixture } from "../support/pack-metadata.ts";

const url = "https://example.org/checkpoints/model.ckpt";

async function extractEntry(path: string, ...args: string[]) {
  const result = await runCli(["extract-basic-metadata", path, "--url", url, "--json", ...args]);
  expect(result.exitCode, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout);
  const parsed = parseEntry(report.entry);
  expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
  return { ...report, stderr: result.stderr };
}

const names = (meta: any, indices: number[]) => indices.map((i) => meta.dataset.variables[i]);

describe("the real AIFS dummy checkpoint (deflated members, ai-models.json at the root folder)", () => {
  let report: any;
  beforeAll(async () => {
    report = await extractEntry(fixture("anemoi/registry-dummy-checkpoint.ckpt"), "--hash");
  });

  it("reads metadata version, provenance and steps", () => {
    const e = report.entry;
    expect(report.checkpointId).toBe("registry-dummy-checkpoint");
    expect(e.provenance).toMatchObject({ anemoiMetadataVersion: "1.0", python: "3.10.8" });
    expect(e.provenance.moduleVersions.aifs).toBe("0.6.1");
    expect(e.requirements.python).toBe("3.10");
    expect(e.model).toMatchObject({ timestep: "6h", precision: "16-mixed" });
    expect(e.inputs.steps).toBe(2);
    expect(e.source).toMatchObject({ url, sizeBytes: 46325 });
    expect(e.source.sha256).toBe(
      createHash("sha256")
        .update(readFileSync(fixture("anemoi/registry-dummy-checkpoint.ckpt")))
        .digest("hex"),
    );
  });

  it("derives variables from data_indices and guesses MARS keys from names (no variables_metadata)", () => {
    const e = report.entry;
    expect(e.inputs.variables.find((v: any) => v.name === "t_850")).toEqual({ name: "t_850", category: "prognostic", param: "t", levtype: "pl", level: 850 });
    expect(e.inputs.variables.find((v: any) => v.name === "cos_latitude")).toEqual({ name: "cos_latitude", category: "computed" });
    expect(e.inputs.variables.find((v: any) => v.name === "lsm")).toMatchObject({ category: "constant", param: "lsm", levtype: "sfc" });
    expect(
      e.outputs.variables
        .filter((v: any) => v.category === "diagnostic")
        .map((v: any) => v.name)
        .sort(),
    ).toEqual(["cp", "tp"]);
    expect(report.warnings).toContain("no dataset.variables_metadata: MARS keys guessed from variable names");
  });

  it("scans the real pickle: needs aifs, flash_attn, omegaconf; safe by the reviewed list (getattr in its narrow form)", () => {
    const p = report.entry.pickle;
    expect(p.modules).toEqual(expect.arrayContaining(["aifs", "flash_attn", "omegaconf", "torch", "numpy"]));
    expect(p.verdict).toBe("safe");
    expect(p.globals).toContain("builtins.getattr");
    expect(p.flagged).toBeUndefined();
    expect(p.weightsOnlyLoadable).toBe(false);
    expect(report.entry.infrastructure.supportedOs).toEqual(["linux"]);
    expect(report.stderr).toContain("the pickle imports flash_attn");
  });
});

describe("metadata fixtures packed into torch-like checkpoints (stored, 64-byte padding, data descriptors, ZIP64)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  it("single-o48-1.1 (unversioned): variables, MARS keys, grid and qube", async () => {
    const meta = readMetadataFixture("single-o48-1.1");
    const { entry: e } = await extractEntry(await packMetadataFixture("single-o48-1.1", dir));
    expect(e.provenance.anemoiMetadataVersion).toBeUndefined();
    // o48 is an octahedral grid: global, 90/48 degrees between latitudes (208.5 km), 4·48² + 36·48 points
    expect(e.inputs.datasets).toEqual([{ name: "data", grid: "o48", resolutionKm: 208.5, domain: "global", gridPoints: meta.dataset.shape[3] }]);
    expect(meta.dataset.shape[3]).toBe(4 * 48 * 48 + 36 * 48);
    expect(e.inputs.variables.map((v: any) => v.name)).toEqual(names(meta, meta.data_indices.data.input.full));
    expect(e.outputs.variables.map((v: any) => v.name)).toEqual(names(meta, meta.data_indices.data.output.full));
    const t850 = meta.dataset.variables_metadata.t_850.mars;
    expect(e.inputs.variables.find((v: any) => v.name === "t_850")).toEqual({
      name: "t_850",
      category: "prognostic",
      param: t850.param,
      levtype: t850.levtype,
      level: t850.levelist,
    });
    expect(e.inputs.variables.find((v: any) => v.name === "insolation").category).toBe("computed");
    expect(e.inputs.variables.find((v: any) => v.name === "z").category).toBe("constant");
    expect(e.model.timestep).toBe(meta.config.data.timestep);
    expect(e.inputs.steps).toBe(meta.config.training.multistep_input);
    // the qube: inputs with MARS keys, computed forcings left out, params sharing levels merged
    const sfc = e.inputs.qube.children.find((c: any) => c.values.values[0] === "sfc");
    expect(sfc.metadata).toEqual({ name: { shape: [1, 1, 1], dtype: "str", values: ["surface"] } });
    expect(sfc.children[0].values.values).not.toContain("insolation");
    expect(sfc.children[0].values.values).toContain("lsm");
    const pl = e.inputs.qube.children.find((c: any) => c.values.values[0] === "pl");
    expect(pl.children[0].children[0].values).toEqual({
      type: "enum",
      dtype: "int64",
      values: [50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 850, 925, 1000],
    });
  });

  it("rmi-lam (1.0, limited area): local labels kept, pins derived, area from the coordinate arrays", async () => {
    const meta = readMetadataFixture("rmi-lam");
    const { entry: e, warnings } = await extractEntry(await packMetadataFixture("rmi-lam", dir));
    expect(e.provenance).toMatchObject({
      anemoiMetadataVersion: "1.0",
      python: meta.provenance_training.python,
      uuid: meta.uuid,
      runId: meta.run_id,
      trainingTimestamp: meta.timestamp,
    });
    expect(e.provenance.moduleVersions.torch).toBe("2.5.1+rocm6.2");
    expect(e.requirements.torch).toBe("2.5.1+rocm6.2");
    expect(e.requirements.pipConstraints).toEqual([
      "anemoi-models==0.8.1.post35",
      "anemoi-graphs==0.6.2.post35",
      "anemoi-inference",
      "torch==2.5.1",
      "torch_geometric==2.4.0",
    ]);
    expect(warnings).toContain("torch 2.5.1+rocm6.2: local label +rocm6.2 dropped");
    expect(e.model).toMatchObject({ task: "deterministic", anemoiTask: "GraphForecaster" });
    expect(e.inputs.datasets).toEqual([
      {
        name: "data",
        domain: "limited-area",
        area: `${lamArea.north}/${lamArea.west}/${lamArea.south}/${lamArea.east}`,
        gridPoints: meta.supporting_arrays_paths.grid_indices.shape[0],
      },
    ]);
    expect(e.provenance.distributionNames.PIL).toBe("pillow");
  });

  it("era5-cerra (2.0, two datasets): per-dataset variables and a qube keyed by dataset", async () => {
    const meta = readMetadataFixture("era5-cerra");
    const { entry: e, warnings } = await extractEntry(await packMetadataFixture("era5-cerra", dir));
    expect(e.inputs.datasets.map((d: any) => [d.name, d.gridPoints])).toEqual([
      ["era5", meta.supporting_arrays_paths.era5.latitudes.shape[0]],
      ["cerra", meta.supporting_arrays_paths.cerra.latitudes.shape[0]],
    ]);
    for (const ds of ["era5", "cerra"]) {
      const inputs = e.inputs.variables.filter((v: any) => v.dataset === ds).map((v: any) => v.name);
      expect(inputs).toEqual(
        Object.entries(meta.metadata_inference[ds].data_indices.input)
          .sort((a: any, b: any) => a[1] - b[1])
          .map(([n]) => n),
      );
    }
    expect(Object.keys(e.inputs.qube)).toEqual(["era5", "cerra"]);
    expect(e.outputs.steps).toBe(meta.metadata_inference.era5.timesteps.output_relative_date_indices.length);
    expect(e.requirements.packages["anemoi-models"]).toBe("0.13.0.post15 @ file:///etc/ecmwf/nfs/dh1_home_a/ecm0672/git/anemoi-core/models");
    expect(e.requirements.pipConstraints[0]).toBe("anemoi-models>=0.13.0");
    expect(warnings.some((w: string) => w.startsWith("anemoi-models 0.13.0.post15 @ file://"))).toBe(true);
  });

  it("global-multi-steps-2in-3out (2.0): 2 input steps, 3 output steps, git installs visible", async () => {
    const meta = readMetadataFixture("global-multi-steps-2in-3out");
    const { entry: e } = await extractEntry(await packMetadataFixture("global-multi-steps-2in-3out", dir, { metadataMethod: "deflate" }));
    expect(e.inputs.steps).toBe(2);
    expect(e.outputs.steps).toBe(3);
    expect(e.provenance.python).toBe(meta.provenance_training.python);
    expect(e.provenance.moduleVersions["anemoi.models"]).toBe(
      "0.12.1.post23 @ git+https://github.com/ecmwf/anemoi-core.git@2c24de571dbd65de86a381f5af5329085f33583e",
    );
    expect(e.inputs.qube.key).toBe("root");
  });

  it("the same checkpoint read through the library gives the same result as through the command", async () => {
    const path = await packMetadataFixture("rmi-lam", dir);
    const source = await FileSource.open(path);
    const extraction = await extractCheckpoint(source);
    await source.close();
    expect(extraction.root).toBe("archive");
    expect(extraction.metadataPath).toBe("archive/anemoi-metadata/anemoi.json");
  });
});
