// The TypeScript client's compatibility: the cases shared with the Python client, and the real entries.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compatibility, readEntry, readRegistry, type Host } from "../../src/client/index.ts";
import { fixture } from "../support/helpers.ts";
import { realEntries } from "../support/signing.ts";

const shared = JSON.parse(readFileSync(fixture("compatibility-cases.json"), "utf8"));

describe("compatibility: the cases shared with the Python client", () => {
  it("has cases", () => expect(shared.cases.length).toBeGreaterThanOrEqual(15));
  for (const c of shared.cases) {
    it(c.name, () => {
      const { entry, warning } = readEntry("case", { ...shared.minimalEntry, ...c.entry });
      expect(warning).toBeUndefined();
      const got = compatibility(entry!, c.host as Host);
      expect({ compatible: got.compatible, detail: got.detail, caveats: got.caveats }).toEqual(c.expected);
    });
  }
});

describe("reading: the cases shared with the Python client", () => {
  it("has cases", () => expect(shared.reading.cases.length).toBeGreaterThanOrEqual(2));
  for (const c of shared.reading.cases) {
    it(c.name, () => {
      const checkpoints = Object.fromEntries(
        Object.entries(c.checkpoints as Record<string, object>).map(([id, entry]) => [id, { ...shared.minimalEntry, ...entry }]),
      );
      const read = readRegistry({ schemaVersion: 1, checkpoints });
      expect([...read.checkpoints.keys()].sort()).toEqual([...c.kept].sort());
      expect(read.warnings.map((w) => w.checkpointId).sort()).toEqual([...c.skipped].sort());
      for (const [id, field] of Object.entries((c.warningMentions ?? {}) as Record<string, string>)) {
        expect(read.warnings.find((w) => w.checkpointId === id)?.message).toContain(field);
      }
    });
  }
});

describe("compatibility on the real entries", () => {
  const entries = Object.entries(realEntries()).map(([id, doc]) => ({ id, entry: readEntry(id, doc).entry! }));
  const excluded = (host: Host) =>
    Object.fromEntries(
      entries
        .map(({ id, entry }) => [id, compatibility(entry, host)])
        .filter(([, c]) => !(c as { compatible: boolean }).compatible)
        .map(([id, c]) => [id, (c as { detail: string }).detail]),
    );

  it("reads every real entry", () => expect(entries.every((e) => e.entry !== undefined)).toBe(true));

  it("Python 3.11 on Linux x86_64 with 24 GiB: the version-specific wheels and the aarch64 build are out, each saying why", () => {
    expect(excluded({ os: "linux", arch: "x86_64", python: "3.11", gpuMemoryMib: 24 * 1024 })).toEqual({
      "aifs-ens-crps-1.0_w_flash_attn": "Installs on Python 3.10 only (a version-specific wheel); this machine has Python 3.11.",
      "aifs-single-mse-1.1_w_flash_attn": "Installs on Python 3.12 only (a version-specific wheel); this machine has Python 3.11.",
      "aifs-single-mse-1.1_w_flash_attn_aarch64":
        "Built for aarch64 only (a platform-specific wheel); this machine is x86_64. Installs on Python 3.12 only (a version-specific wheel); this machine has Python 3.11.",
    });
  });

  it("a machine without a GPU cannot run the flash-attn builds", () => {
    const out = excluded({ os: "linux", arch: "x86_64", python: "3.12", gpuMemoryMib: 0 });
    expect(out["aifs-single-mse-1.1_w_flash_attn"]).toBe("Needs a GPU (CUDA); this machine has none.");
    expect(out["aifs-single-mse-1.1_w_sdpa"]).toBeUndefined();
  });
});
