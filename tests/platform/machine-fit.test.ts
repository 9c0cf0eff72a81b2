// "Fits my machine" on the real entries: what each kind of machine excludes, and why, in words.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { catalogItem } from "../../src/site/catalog-item.ts";
import { acceleratorSupport } from "../../src/platform/accelerators.ts";
import { machineFit, type Machine } from "../../src/platform/machine-fit.ts";
import { repoRoot } from "../support/helpers.ts";

const items = async () => (await loadValidEntries(join(repoRoot, "entries"))).map((e) => catalogItem(e.id, e.entry));

async function excluded(machine: Machine): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const item of await items()) {
    const fit = machineFit(item.client.fit, machine);
    if (!fit.fits) out[item.id] = fit.reasons;
  }
  return out;
}

describe("fits my machine, on the real entries", () => {
  it("a Linux x86_64 machine with a 24 GiB GPU: only the aarch64 build is not for it", async () => {
    expect(await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 24 * 1024 })).toEqual({
      "aifs-single-mse-1.1_w_flash_attn_aarch64": ["Built for aarch64 only (a platform-specific wheel); this machine is x86_64."],
    });
  });

  it("a Mac: the Linux-only entries, each saying so", async () => {
    const out = await excluded({ os: "macos", arch: "aarch64", gpuMemoryMib: 16 * 1024 });
    expect(Object.keys(out).sort()).toEqual(["aifs-ens-crps-1.0_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn_aarch64", "imerg-gt"]);
    expect(out["imerg-gt"]).toEqual(["Runs on Linux only; this machine runs macOS."]);
  });

  it("a 1 GiB GPU: BRIS Europe needs 2,000 MiB; unmeasured needs are caveats, not exclusions", async () => {
    const out = await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 1024 });
    expect(out).toEqual({
      "BRIS-Europe-2025.10": ["Needs 1.95 GiB of GPU memory; this machine has 1 GiB."],
      "aifs-single-mse-1.1_w_flash_attn_aarch64": ["Built for aarch64 only (a platform-specific wheel); this machine is x86_64."],
    });
    const sdpa = (await items()).find((i) => i.id === "aifs-single-mse-1.1_w_sdpa")!;
    expect(machineFit(sdpa.client.fit, { os: "linux", arch: "x86_64", gpuMemoryMib: 1024 }).caveats).toEqual([
      "The GPU memory it needs has not been measured.",
      "Not checked yet on linux-x86_64-cuda.",
    ]);
  });

  it("a machine without a GPU: the flash-attention builds need CUDA", async () => {
    const out = await excluded({ os: "linux", arch: "x86_64", gpuMemoryMib: 0 });
    expect(out["aifs-single-mse-1.1_w_flash_attn"]).toEqual(["Needs a GPU (CUDA); this machine has none."]);
    expect(out["aifs-single-mse-1.1_w_sdpa"]).toBeUndefined();
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
    expect(machineFit(facts({ "macos-arm64-mps": { status: "incompatible" } }), mac)).toEqual({ fits: false, reasons: ["Checked on macos-arm64-mps: incompatible."], caveats: [] });
    expect(machineFit(facts({ "macos-arm64-mps": { status: "compatible" } }), mac)).toEqual({ fits: true, reasons: [], caveats: ["The GPU memory it needs has not been measured."] });
  });

  it("the best status of each accelerator counts, and every accelerator offered is listed", () => {
    expect(facts({ "linux-x86_64-cuda": { status: "incompatible" }, "linux-aarch64-cuda": { status: "compatible" } }).accelerators).toEqual([
      { accelerator: "cuda", status: "compatible", platforms: ["linux-aarch64-cuda"] },
      { accelerator: "mps", status: "not-checked", platforms: [] },
      { accelerator: "cpu", status: "not-checked", platforms: [] },
    ]);
  });
});
