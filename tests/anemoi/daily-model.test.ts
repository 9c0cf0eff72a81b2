// A 24-hour model, read from its checkpoint: whether its metadata says "1d", "24h", 86400 seconds or only a
// frequency, the entry and both FIAB views say "24h", the form earthkit-data's to_timedelta (FIAB's
// _timestep_seconds) parses; and a new entry is named from what its metadata says, not by its id alone.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { earthkitTimedeltaSeconds } from "../../src/fiab/runtime-rules.ts";
import { readJson, runCli, tempDir } from "../support/helpers.ts";
import { packMetadataFixture } from "../support/pack-metadata.ts";

// The O48 fixture's metadata was trimmed of its training provenance, which FIAB's pip constraints come from.
const withProvenance = (meta: any) => {
  meta.provenance_training = { python: "3.11.8", module_versions: { "anemoi.models": "0.5.0", torch: "2.6.0+cu124", torch_geometric: "2.4.0" } };
};

async function writeDailyEntry(setStep: (meta: any) => void) {
  const dir = await tempDir();
  const entries = join(dir, "entries");
  const checkpoint = await packMetadataFixture("single-o48-1.1", dir, { fileName: "daily-o48.ckpt", edit: (meta) => (withProvenance(meta), setStep(meta)) });
  const written = await runCli(["extract-basic-metadata", checkpoint, "--url", "https://example.org/daily-o48.ckpt", "--write", "--entries", entries]);
  expect(written.exitCode, written.stderr).toBe(0);
  expect(written.stdout).toBe(`created ${join(entries, "daily-o48.json")}`);
  return entries;
}

const steps: Array<[string, (meta: any) => void]> = [
  ['config.data.timestep "1d"', (m) => (m.config.data.timestep = "1d")],
  ['config.data.timestep "24h"', (m) => (m.config.data.timestep = "24h")],
  ["config.data.timestep 24 (hours, as anemoi-utils' frequency_to_timedelta reads a number)", (m) => (m.config.data.timestep = 24)],
  ['config.data.timestep "PT24H"', (m) => (m.config.data.timestep = "PT24H")],
  [
    'only config.data.frequency "1D"',
    (m) => {
      delete m.config.data.timestep;
      m.config.data.frequency = "1D";
    },
  ],
];

describe("a 24-hour model's entry and FIAB views", () => {
  it.each(steps)("%s: the entry and both views say 24h", async (_, setStep) => {
    const entries = await writeDailyEntry(setStep);
    const entry = await readJson(join(entries, "daily-o48.json"));
    expect(entry.model.timestep).toBe("24h");
    for (const contract of ["core-1", "core-2"]) {
      const exported = await runCli(["export-fiab-store", "--contract", contract, "--entries", entries]);
      expect(exported.exitCode, exported.stderr).toBe(0);
      const artifact = JSON.parse(exported.stdout).artifacts["daily-o48"];
      expect(artifact, exported.stderr).toBeDefined();
      const timestep = (artifact.specific ?? artifact.store_info).timestep;
      expect(timestep).toBe("24h");
      expect(earthkitTimedeltaSeconds(timestep)).toBe(86_400);
    }
  });

  it("names the new entry from its metadata, and validate asks for the description and author", async () => {
    const entries = await writeDailyEntry((m) => (m.config.data.timestep = "1d"));
    const entry = await readJson(join(entries, "daily-o48.json"));
    expect(entry.display.name).toBe("Global model, o48 grid, 24h steps (trained 2025-05)");
    const validated = await runCli(["validate", "--entries", entries]);
    expect(validated.exitCode).toBe(0);
    expect(validated.stderr).toContain("display.description: empty");
    expect(validated.stderr).toContain("display.author: empty");
  });

  it("an entry still written 1d is rewritten 24h when its checkpoint is read again", async () => {
    const entries = await writeDailyEntry((m) => (m.config.data.timestep = "24h"));
    const file = join(entries, "daily-o48.json");
    const doc = await readJson(file);
    doc.model.timestep = "1d";
    await (await import("node:fs/promises")).writeFile(file, JSON.stringify(doc, null, 2));
    expect((await runCli(["validate", "--entries", entries])).stderr).toContain(
      "model.timestep: FIAB's runtime (earthkit-data's to_timedelta) cannot parse \"1d\"",
    );
    const dir = join(entries, "..");
    const checkpoint = await packMetadataFixture("single-o48-1.1", dir, {
      fileName: "daily-o48.ckpt",
      edit: (m) => (withProvenance(m), (m.config.data.timestep = "24h")),
    });
    const again = await runCli(["extract-basic-metadata", checkpoint, "--write", "--entries", entries]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await readJson(file)).model.timestep).toBe("24h");
  });
});
