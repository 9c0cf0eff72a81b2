// Authoring is strict (typos are errors); consuming is tolerant (newer writers do not break older readers).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEntry } from "../../src/contract/index.ts";
import { readEntry, readRegistry } from "../../src/client/reader.ts";
import { fixtureEntriesDir, readJson } from "../support/helpers.ts";

const real = () => readJson(join(fixtureEntriesDir, "aifs-single-mse-1.1_w_sdpa.json"));

describe("strict authoring", () => {
  it("accepts a real entry", async () => {
    expect(parseEntry(await real()).ok).toBe(true);
  });

  it("rejects an unknown key, naming it", async () => {
    const doc = await real();
    doc.source.sha265 = "typo";
    const result = parseEntry(doc);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        { path: "source.sha265", message: 'unknown field; did you mean "sha256"?', expected: "no such field", found: '"typo"' },
      ]);
  });

  it("suggests the field meant: a near spelling, another case or snake_case, or the place one level down", async () => {
    const doc = await real();
    doc.display.nmae = "x";
    doc.source.size_bytes = 1;
    doc.infrastructure.minimumGPUMemoryMib = 1;
    doc.inputs.qube.children[0].kye = "x";
    doc.license = "MIT";
    doc.xyzzy = 1;
    const result = parseEntry(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
        'display.nmae: unknown field; did you mean "name"?',
        'source.size_bytes: unknown field; did you mean "sizeBytes"?',
        'infrastructure.minimumGPUMemoryMib: unknown field; did you mean "minimumGpuMemoryMib"?',
        'inputs.qube.children[0].kye: unknown field; did you mean "key"?',
        'license: unknown field; did you mean "publication.license"?',
        "xyzzy: unknown field (a typo? the contract page lists the fields)",
      ]);
    }
  });

  it("rejects an enum value it does not know", async () => {
    const doc = await real();
    doc.infrastructure.supportedOs.push("windows");
    const result = parseEntry(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ path: "infrastructure.supportedOs[2]", expected: '"linux" | "macos"', found: '"windows"' });
  });
});

describe("tolerant consuming", () => {
  it("ignores unknown fields at every depth", async () => {
    const doc = await real();
    doc.futureField = { anything: true };
    doc.source.futureChecksum = "blake3:...";
    const { entry, warning } = readEntry("x", doc);
    expect(warning).toBeUndefined();
    expect(entry).not.toHaveProperty("futureField");
    expect(entry!.source).not.toHaveProperty("futureChecksum");
    expect(entry!.source.url).toBe(doc.source.url);
  });

  it('maps unknown enum values to "unknown"', async () => {
    const doc = await real();
    doc.infrastructure.supportedOs.push("windows");
    doc.compatibility = {
      "linux-riscv64-npu": {
        status: "partially-compatible",
        statusRule: 7,
        evidence: [{ check: "fuzz", result: "flaky", date: "2026-11-26T00:00:00Z", tool: { name: "t", version: "9" }, environment: {} }],
      },
    };
    const { entry } = readEntry("x", doc);
    expect(entry!.infrastructure!.supportedOs).toEqual(["linux", "macos", "unknown"]);
    const platform = entry!.compatibility!["linux-riscv64-npu"]!;
    expect(platform.status).toBe("unknown");
    expect(platform.evidence[0]).toMatchObject({ check: "unknown", result: "unknown" });
  });

  it("keeps qubes whole, unknown keys included, since they are handed to FIAB as they are", async () => {
    const doc = await real();
    doc.inputs.qube.metadata.futureKey = 1;
    expect((readEntry("x", doc).entry!.inputs!.qube as any).metadata.futureKey).toBe(1);
  });

  it("skips, with a warning, entries written for a newer schemaVersion, and reads the rest", async () => {
    const newer = { ...(await real()), schemaVersion: 2 };
    const { checkpoints, warnings } = readRegistry({ schemaVersion: 2, checkpoints: { a: await real(), b: newer } });
    expect([...checkpoints.keys()]).toEqual(["a"]);
    expect(warnings).toEqual([{ checkpointId: "b", message: "skipped: written for schema version 2, this reader knows up to 1" }]);
  });

  it("skips an entry it cannot use, saying why", async () => {
    const broken = await real();
    delete broken.source;
    const { checkpoints, warnings } = readRegistry({ schemaVersion: 1, checkpoints: { a: broken } });
    expect(checkpoints.size).toBe(0);
    expect(warnings[0]!.message).toBe("skipped: source: required field is missing; expected object; found nothing");
  });

  it("refuses a document that is not a registry", () => {
    expect(() => readRegistry([])).toThrow('expected an object with a "checkpoints" object');
  });
});
