// A checkpoint's metadata cannot choose where a known import package comes from (distributions.json): an
// explicit distribution_names entry naming another distribution, for the package or a module inside it, and
// a namespace listed in module_versions instead of the package, are redirects, refused before pip runs.
import { describe, expect, it } from "vitest";
import type { ModuleVersion } from "../../tooling/anemoi/versions.ts";
import { knownDistributions, normalizedDistribution, redirectedDistributions, requirementSet } from "../../tooling/environment/requirements.ts";

const versions = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([name, version]) => [name, { version } as ModuleVersion]));

describe("known distributions", () => {
  it("are the reviewed packages' own, as PEP 503 compares names", () => {
    expect(knownDistributions).toMatchObject({ "anemoi.models": "anemoi-models", aifs: "aifs", torch: "torch", torch_geometric: "torch-geometric" });
    expect(normalizedDistribution("Anemoi_Models")).toBe(normalizedDistribution("anemoi-models"));
    expect(normalizedDistribution("PyYAML")).toBe("pyyaml");
  });

  it("a distribution_names entry that names another distribution for one, or for a module inside one, is a redirect", () => {
    const modules = versions({ aifs: "0.6.1", "anemoi.models": "0.4.0", torch: "2.5.1" });
    const globals = ["aifs.model.AIFS", "anemoi.models.models.AnemoiModelEncProcDec", "torch._utils._rebuild_tensor_v2"];
    expect(redirectedDistributions({ modules, distributionNames: { aifs: "evil-aifs" }, pickleGlobals: globals })).toEqual([
      { importName: "aifs", distribution: "evil-aifs", known: "aifs", expected: "aifs" },
    ]);
    expect(redirectedDistributions({ modules, distributionNames: { "anemoi.models.layers": "anemoi-models-fast" }, pickleGlobals: globals })).toEqual([
      { importName: "anemoi.models.layers", distribution: "anemoi-models-fast", known: "anemoi.models", expected: "anemoi-models" },
    ]);
    // Even a package the pickle does not import: the metadata says something false about a reviewed name.
    expect(redirectedDistributions({ modules, distributionNames: { torch_geometric: "torch-geometric-evil" }, pickleGlobals: globals })).toHaveLength(1);
  });

  it("the same name in another spelling, and unknown packages, are not redirects", () => {
    const modules = versions({ "anemoi.models": "0.4.0", triton: "3.0.0", yaml: "6.0" });
    const distributionNames = { "anemoi.models": "Anemoi_Models", triton: "pytorch-triton-rocm", yaml: "PyYAML", tiny_models: "registry-tiny-models" };
    expect(redirectedDistributions({ modules, distributionNames, pickleGlobals: ["anemoi.models.X", "triton.Y"] })).toEqual([]);
  });

  it("a namespace listed instead of the package installs another project: a redirect when the pickle takes from the package", () => {
    const modules = versions({ anemoi: "0.4.0", torch: "2.5.1" });
    expect(redirectedDistributions({ modules, distributionNames: {}, pickleGlobals: ["anemoi.models.models.X"] })).toEqual([
      { importName: "anemoi", distribution: "anemoi", known: "anemoi.models", expected: "anemoi-models" },
    ]);
    expect(redirectedDistributions({ modules, distributionNames: { anemoi: "anemoi-models" }, pickleGlobals: ["anemoi.models.models.X"] })).toEqual([]);
    expect(redirectedDistributions({ modules, distributionNames: { anemoi: "evil" }, pickleGlobals: ["torch.Size"] })).toEqual([]);
  });

  it("the requirement of a known package is its own distribution, whatever distribution_names says", () => {
    const set = requirementSet({
      modules: versions({ aifs: "0.6.1", torch: "2.5.1" }),
      distributionNames: { aifs: "evil-aifs" },
      pickleGlobals: ["aifs.model.AIFS"],
      pickleModules: ["aifs", "torch"],
    });
    expect(set.requirements).toEqual(["aifs==0.6.1", "torch==2.5.1"]);
  });
});
