// "Fits my machine" on the catalog's entries (tests/fixtures/entries/catalog): what each kind of machine
// excludes, why, in words, and why the rest fit, with GPU memory from FIAB's minimum, a stated figure or an estimate.
import { describe, expect, it } from "vitest";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { catalogItem } from "../../src/site/catalog-item.ts";
import { acceleratorSupport } from "../../src/platform/accelerators.ts";
import { machineFit, type Machine } from "../../src/platform/machine-fit.ts";
import { catalogEntriesDir, catalogEntryCount } from "../support/catalog-entries.ts";

const items = async () => (await loadValidEntries(catalogEntriesDir)).map((e) => catalogItem(e.id, e.entry));

async function excluded(machine: Machine): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const item of await items()) {
    const fit = machineFit(item.client.fit, machine);
    if (!fit.fits) out[item.id] = fit.reasons;
  }
  return out;
}

describe("fits my machine, on the catalog's entries", () => {
  it("a Linux x86_64 machine with a 24 GiB GPU: the aarch64 build is not for it, and the Bris models need at least 18.5 GiB, which fits", async () => {
    expect(await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 24 * 1024 })).toEqual({
      "aifs-single-mse-1.1_w_flash_attn_aarch64": ["Built for aarch64 only (a platform-specific wheel); this machine is x86_64."],
    });
    const bris = (await items()).find((i) => i.id === "BRIS-Malawi-2025.10")!;
    expect(machineFit(bris.client.fit, { os: "linux", arch: "x86_64", gpuMemoryMib: 24 * 1024 })).toMatchObject({
      fits: true,
      support: ["Runs on Linux.", "Needs at least 18.5 GiB of GPU memory (estimated); this machine has 24 GiB."],
      caveats: ["More GPU memory may be needed: part of the model's grid is not published.", "Not checked yet on linux-x86_64-cuda."],
    });
  });

  it("a 16 GiB GPU: the N320 models' estimates exclude them, each saying the figure is an estimate", async () => {
    const out = await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 16 * 1024 });
    expect(out["aifs-single-mse-1.1_w_sdpa"]).toEqual(["Needs about 18 GiB of GPU memory (estimated); this machine has 16 GiB."]);
    expect(out["BRIS-2025.10"]).toEqual(["Needs at least 18.5 GiB of GPU memory (estimated); this machine has 16 GiB."]);
    expect(out["aifs-global-o48"]).toBeUndefined();
    expect(out["BRIS-Europe-2025.10"]).toBeUndefined();
  });

  it("a Mac: the Linux-only entries, each saying so", async () => {
    const out = await excluded({ os: "macos", arch: "aarch64", gpuMemoryMib: 64 * 1024 });
    expect(Object.keys(out).sort()).toEqual([
      "aifs-ens-crps-1.0_w_flash_attn",
      "aifs-single-mse-1.1_w_flash_attn",
      "aifs-single-mse-1.1_w_flash_attn_aarch64",
      "imerg-gt",
    ]);
    expect(out["imerg-gt"]).toEqual(["Runs on Linux only; this machine runs macOS."]);
  });

  it("a 1 GiB GPU: FIAB's stated minimum of BRIS Europe and every estimate above it exclude", async () => {
    const out = await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 1024 });
    expect(out["BRIS-Europe-2025.10"]).toEqual(["Needs 1.95 GiB of GPU memory; this machine has 1 GiB."]);
    expect(out["aifs-global-o48"]).toEqual(["Needs about 1.25 GiB of GPU memory (estimated); this machine has 1 GiB."]);
    expect(Object.keys(out)).toHaveLength(catalogEntryCount);
  });

  it("a machine without a GPU: the flash-attention builds need CUDA; the others run on the CPU, slower", async () => {
    const out = await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 0 });
    expect(out["aifs-single-mse-1.1_w_flash_attn"]).toEqual(["Needs a GPU (CUDA); this machine has none."]);
    expect(out["aifs-single-mse-1.1_w_sdpa"]).toBeUndefined();
    const sdpa = (await items()).find((i) => i.id === "aifs-single-mse-1.1_w_sdpa")!;
    expect(machineFit(sdpa.client.fit, { os: "linux", arch: "x86_64", gpuMemoryMib: 0 }).support).toEqual([
      "Runs on Linux.",
      "Runs on the CPU, much slower than on a GPU.",
    ]);
  });
});

describe("evidence decides when there is some", () => {
  const facts = (compatibility: Record<string, { status: string }>) => ({
    supportedOs: ["linux", "macos"],
    accelerators: acceleratorSupport({ supportedOs: ["linux", "macos"], needsCuda: false, compatibility }),
    platforms: Object.fromEntries(Object.entries(compatibility).map(([k, v]) => [k, v.status])),
  });

  it("a check that failed on this very platform excludes; one that passed removes the caveat", () => {
    const mac: Machine = { os: "macos", arch: "aarch64", gpuMemoryMib: 32 * 1024 };
    expect(machineFit(facts({ "macos-arm64-mps": { status: "incompatible" } }), mac)).toEqual({
      fits: false,
      reasons: ["Checked on macos-arm64-mps: incompatible."],
      caveats: [],
      support: [],
    });
    expect(machineFit(facts({ "macos-arm64-mps": { status: "compatible" } }), mac)).toEqual({
      fits: true,
      reasons: [],
      caveats: ["The GPU memory it needs has not been measured."],
      support: ["Runs on macOS."],
    });
  });

  it("the best status of each accelerator counts, and every accelerator offered is listed", () => {
    expect(facts({ "linux-x86_64-cuda": { status: "incompatible" }, "linux-aarch64-cuda": { status: "compatible" } }).accelerators).toEqual([
      { accelerator: "cuda", status: "compatible", platforms: ["linux-aarch64-cuda"] },
      { accelerator: "mps", status: "not-checked", platforms: [] },
      { accelerator: "cpu", status: "not-checked", platforms: [] },
    ]);
  });
});
