// An entry imported from FIAB's store says little: the page lists what is missing once, with the command.
import { describe, expect, it } from "vitest";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { unknownFields } from "../../src/site/unknown-fields.ts";
import { checkpointFileName, usageOf } from "../../src/site/usage.ts";
import { catalogEntriesDir } from "../support/catalog-entries.ts";

const real = async (id: string) => (await loadValidEntries(catalogEntriesDir)).find((e) => e.id === id)!.entry;

describe("what an entry does not say yet", () => {
  it("groups the unknowns by how they are filled, with the command for each", async () => {
    const groups = unknownFields("aifs-global-o48", await real("aifs-global-o48"));
    expect(groups.map((g) => g.title)).toEqual(["Not yet read from the checkpoint", "Not stated by the publisher yet", "Not checked or measured yet"]);
    expect(groups[0]!.fields).not.toContain("grids and domain");
    expect(groups[0]!.fields).toContain("SHA-256 of the file");
    expect(groups[0]!.fields).not.toContain("time step");
    expect(groups[0]!.commands).toEqual([
      "npm run -s registry -- extract-basic-metadata 'https://sites.ecmwf.int/repository/fiab/testing/checkpoints/aifs-global-o48.ckpt' --write",
    ]);
    expect(groups[1]!.fields).toEqual(["release date", "links (model card, paper, home page)"]);
    expect(groups[2]!.fields).toEqual(["compatibility with any platform"]);
  });

  it("leaves out what is known: the AIFS entries have a license, a release date, links and a description", async () => {
    const groups = unknownFields("aifs-single-mse-1.1_w_sdpa", await real("aifs-single-mse-1.1_w_sdpa"));
    expect(groups.find((g) => g.title === "Not stated by the publisher yet")).toBeUndefined();
  });
});

describe("usage", () => {
  it("says how to use it in FIAB, step by step: the store in config.toml, the artifact, the lead time", async () => {
    const entry = await real("aifs-single-mse-1.1_w_sdpa");
    const usage = usageOf(entry, ["core-1", "core-2"], "aifs-single-mse-1.1_w_sdpa", new URL("https://registry.example.org/"));
    expect(usage.fiab!.configToml).toBe(
      [
        "[product.artifact_stores.ecmwf]",
        'url = "https://raw.githubusercontent.com/ecmwf/forecast-in-a-box/refs/tags/${TAG}/install/artifacts.json"',
        'method = "gittag"',
        "",
        "[product.artifact_stores.registry]",
        'url = "https://registry.example.org/fiab/core-2/artifacts.json"',
        'method = "file"',
      ].join("\n"),
    );
    expect(usage.fiab!.artifact).toBe("registry:aifs-single-mse-1.1_w_sdpa");
    expect(usage.fiab!.steps.slice(2)).toEqual([
      'In a new forecast, choose the model "AIFS Single MSE 1.1" (artifact registry:aifs-single-mse-1.1_w_sdpa) and download it (948 MiB); FIAB installs its Python packages for each job.',
      "Choose a lead time in hours that is longer than the time step (6h) and a multiple of it, e.g. 240 hours.",
    ]);
  });

  it("downloads under the URL's file name, and checks the digest only when there is one", async () => {
    const entry = await real("aifs-single-mse-1.1_w_sdpa");
    expect(checkpointFileName(entry.source.url)).toBe("aifs-single-mse-1.1_sdpa.ckpt");
    const usage = usageOf(entry, ["core-1", "core-2"]);
    expect(usage.download).toBe(
      "curl -fL -o 'aifs-single-mse-1.1_sdpa.ckpt' 'https://sites.ecmwf.int/repository/fiab/ecmwf/checkpoints/aifs-single-mse-1.1_sdpa.ckpt'",
    );
    expect(usage.checksum).toBeUndefined();
    const withDigest = usageOf({ ...entry, source: { ...entry.source, sha256: "a".repeat(64) } }, []);
    expect(withDigest.fiab).toBeUndefined();
    expect(withDigest.checksum).toBe(`echo '${"a".repeat(64)}  aifs-single-mse-1.1_sdpa.ckpt' | sha256sum --check`);
    expect(checkpointFileName("https://example.org/get?id=1")).toBe("get");
    expect(checkpointFileName("https://example.org/")).toBe("checkpoint.ckpt");
  });
});
