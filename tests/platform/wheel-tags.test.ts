// Platform-specific wheels in real pip constraints (FIAB's store) restrict a variant's platforms.
import { describe, expect, it } from "vitest";
import { wheelRestrictions } from "../../src/platform/wheel-tags.ts";
import { fixture, readJson } from "../support/helpers.ts";

async function constraints(id: string): Promise<string[]> {
  const store = await readJson(fixture("fiab/artifacts.core-2.json"));
  return store.artifacts[id].specific.pip_package_constraints;
}

describe("wheel restrictions", () => {
  it("the aarch64 flash-attn build: aarch64, Linux, Python 3.12, CUDA", async () => {
    expect(wheelRestrictions(await constraints("aifs-single-mse-1.1_w_flash_attn_aarch64"))).toEqual({
      architectures: ["aarch64"],
      operatingSystems: ["linux"],
      pythonVersions: ["3.12"],
      needsCuda: true,
      wheels: ["flash_attn-2.7.4+cu12torch2.8cxx11abiFALSE-cp312-cp312-linux_aarch64.whl"],
    });
  });

  it("the x86_64 flash-attn build of AIFS ENS needs Python 3.10", async () => {
    expect(wheelRestrictions(await constraints("aifs-ens-crps-1.0_w_flash_attn"))).toMatchObject({
      architectures: ["x86_64"],
      pythonVersions: ["3.10"],
      needsCuda: true,
    });
  });

  it("plain requirements restrict nothing", async () => {
    expect(wheelRestrictions(await constraints("aifs-single-mse-1.1_w_sdpa"))).toEqual({ needsCuda: false, wheels: [] });
  });

  it("reads manylinux and macOS tags, tag sets, pure wheels and direct references", () => {
    expect(wheelRestrictions(["x @ https://e.org/x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"])).toMatchObject({
      architectures: ["x86_64"],
      operatingSystems: ["linux"],
      pythonVersions: ["3.11"],
    });
    expect(wheelRestrictions(["https://e.org/y-2.0-cp312-cp312-macosx_11_0_arm64.whl"])).toMatchObject({
      architectures: ["aarch64"],
      operatingSystems: ["macos"],
    });
    expect(wheelRestrictions(["https://e.org/z-1.0-py3-none-any.whl"])).toEqual({ needsCuda: false, wheels: [] });
    expect(
      wheelRestrictions(["https://e.org/a-1.0-cp310.cp311-abi3-linux_x86_64.whl", "https://e.org/b-1.0-cp311-cp311-linux_x86_64.whl"]).pythonVersions,
    ).toEqual(["3.11"]);
    expect(wheelRestrictions(["flash-attn==2.7.4"]).needsCuda).toBe(true);
  });
});
