// What a build of a checkpoint needs, in words, on the catalog's entries: the flash-attention builds need an
// NVIDIA GPU of the Ampere generation or newer (FlashAttention-2's README), the others run anywhere torch does.
import { describe, expect, it } from "vitest";
import { buildNeeds } from "../../src/platform/builds.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { entryFacts } from "../../src/site/catalog-item.ts";
import { catalogEntriesDir } from "../support/catalog-entries.ts";

const builds = async () => new Map((await loadValidEntries(catalogEntriesDir)).map((e) => [e.id, entryFacts(e.id, e.entry).build]));

describe("builds in plain words", () => {
  it("tells the three AIFS Single builds apart by what a machine needs", async () => {
    const all = await builds();
    expect(all.get("aifs-single-mse-1.1_w_flash_attn")).toEqual({
      label: "flash-attention 2 (x86_64)",
      needs:
        "Needs an NVIDIA GPU on an x86_64 Linux machine, Python 3.12: flash-attention 2 needs Ampere or newer (A100, RTX 30xx or 40xx, H100); older GPUs, Apple silicon and the CPU cannot run it.",
    });
    expect(all.get("aifs-single-mse-1.1_w_flash_attn_aarch64")?.label).toBe("flash-attention 2 (aarch64)");
    expect(all.get("aifs-single-mse-1.1_w_flash_attn_aarch64")?.needs).toMatch(
      /^Needs an NVIDIA GPU on an ARM \(aarch64\) Linux machine such as NVIDIA Grace Hopper, Python 3\.12:/,
    );
    expect(all.get("aifs-single-mse-1.1_w_sdpa")).toEqual({
      label: "PyTorch attention, no flash-attention",
      needs: "Runs on an NVIDIA GPU, Apple silicon (MPS), or the CPU, much slower.",
    });
  });

  it("a Linux-only build without flash-attention runs on an NVIDIA GPU or the CPU; a CUDA wheel needs a GPU", () => {
    expect(buildNeeds({ pipConstraints: ["torch==2.9.0"], supportedOs: ["linux"] }).needs).toBe("Runs on an NVIDIA GPU or the CPU, much slower, on Linux.");
    expect(buildNeeds({ pipConstraints: ["https://example.org/torch-2.6.0+cu124-cp311-cp311-linux_x86_64.whl"], supportedOs: ["linux"] }).needs).toBe(
      "Needs an NVIDIA GPU (a CUDA build) on x86_64, Python 3.11.",
    );
    expect(buildNeeds({ pickleModules: ["flash_attn", "torch"] }).label).toBe("flash-attention 2");
  });
});
