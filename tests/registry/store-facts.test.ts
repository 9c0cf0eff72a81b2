// What import-fiab-store reads out of FIAB's real store beyond its named fields.
import { describe, expect, it } from "vitest";
import { readStoreDocument } from "../../src/registry/import-store.ts";
import { storeDatasets, withStoreFacts } from "../../src/registry/store-facts.ts";
import { entryFromArtifact } from "../../src/fiab/import.ts";
import { fixture, readJson } from "../support/helpers.ts";

const store = async () => readStoreDocument(await readJson(fixture("fiab/artifacts.core-2.json")), "artifacts.core-2.json");

describe("facts the store implies", () => {
  it("BRIS Europe: a 0.5° limited area over Europe, regridded from n320, nested in a global o48", async () => {
    expect(storeDatasets((await store()).get("BRIS-Europe-2025.10")!)).toEqual([
      { name: "source0", grid: "0.5/0.5", resolutionKm: 55.6, domain: "limited-area", area: "70/-20/20/30" },
      { name: "source1", grid: "o48", resolutionKm: 208.5, domain: "global" },
    ]);
  });

  it("a region of interest no input names is still the limited area; a grid left to the checkpoint stays unknown", async () => {
    expect(storeDatasets((await store()).get("BRIS-2025.10")!)).toEqual([
      { name: "global", domain: "global" },
      { name: "lam_0", domain: "limited-area" },
    ]);
  });

  it("global models without input options say nothing of their datasets", async () => {
    expect(storeDatasets((await store()).get("aifs-global-o48")!)).toBeUndefined();
  });

  it("wheels give the platforms, ensemble_number the forecast type; facts already in the entry win", async () => {
    const fields = (await store()).get("aifs-ens-crps-1.0_w_flash_attn")!;
    const entry = withStoreFacts(entryFromArtifact(fields), fields);
    expect(entry.infrastructure?.architectures).toEqual(["x86_64"]);
    expect(entry.requirements?.pythonVersions).toEqual(["3.10"]);
    expect(entry.model?.task).toBe("ensemble");
    const existing = {
      ...entry,
      model: { ...entry.model, task: "interpolator" as const },
      inputs: { ...entry.inputs, datasets: [{ name: "data", grid: "n320" }] },
    };
    const again = withStoreFacts(entryFromArtifact(fields, existing), fields, existing);
    expect(again.model?.task).toBe("interpolator");
    expect(again.inputs?.datasets).toEqual([{ name: "data", grid: "n320" }]);
  });
});
