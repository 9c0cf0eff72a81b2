// Thousands of randomly corrupted checkpoints and metadata documents: extraction either succeeds or fails
// with one of its own errors (which the command prints as a message), never anything else, never a hang.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { extractCheckpoint, ExtractionError } from "../../tooling/anemoi/extract.ts";
import { mapMetadata } from "../../tooling/anemoi/metadata-map.ts";
import { PickleScanError } from "../../tooling/pickle/scan.ts";
import { ByteSourceError } from "../../tooling/source/byte-source.ts";
import { MemorySource } from "../../tooling/source/memory-source.ts";
import { ZipFormatError } from "../../tooling/zip/zip-error.ts";
import { fixture, tempDir } from "../support/helpers.ts";
import { packMetadataFixture, readMetadataFixture } from "../support/pack-metadata.ts";

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = Buffer.from(bytes);
  const kind = Math.floor(random() * 4);
  const at = Math.floor(random() * out.length);
  if (kind === 0) {
    for (let i = 0; i < 1 + random() * 8; i++) {
      const j = Math.floor(random() * out.length);
      out[j] = out[j]! ^ (1 << Math.floor(random() * 8));
    }
    return out;
  }
  if (kind === 1) return out.subarray(0, at);
  if (kind === 2) return Buffer.concat([out.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), out.subarray(at)]);
  // overwrite a 4-byte field with an extreme value (sizes, offsets, counts)
  out.writeUInt32LE([0, 0xffffffff, 0x7fffffff, 1, 0xffff][Math.floor(random() * 5)]!, Math.min(at, out.length - 4));
  return out;
}

const expected = [ZipFormatError, ExtractionError, ByteSourceError, PickleScanError];

describe("mutation", () => {
  it("of checkpoint bytes: only the extractor's own errors", async () => {
    const originals = [
      await readFile(fixture("anemoi/registry-dummy-checkpoint.ckpt")),
      await readFile(await packMetadataFixture("rmi-lam", await tempDir(), { zip64: false })),
    ];
    const random = prng(20261126);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) {
      const original = originals[i % originals.length]!;
      const mutated = mutate(original, random);
      try {
        await extractCheckpoint(new MemorySource(`mutant-${i}`, mutated));
        outcomes.ok++;
      } catch (error) {
        if (!expected.some((type) => error instanceof type)) throw new Error(`mutant ${i}: unexpected ${(error as Error).stack}`);
        outcomes.rejected++;
      }
    }
    expect(outcomes.ok + outcomes.rejected).toBe(3000);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });

  it("of metadata structure: mapping never throws", () => {
    const random = prng(7);
    const weird = [null, 0, -1, 1.5, "", "x", [], {}, [1, "a"], { a: 1 }, true, 1e308];
    for (const name of ["single-o48-1.1", "rmi-lam", "era5-cerra", "global-multi-steps-2in-3out"]) {
      const original = readMetadataFixture(name);
      for (let i = 0; i < 500; i++) {
        const doc = structuredClone(original);
        // replace a random subtree, a few levels down
        let node: any = doc;
        for (let depth = 0; depth < 1 + random() * 5; depth++) {
          const keys = node && typeof node === "object" ? Object.keys(node) : [];
          if (keys.length === 0) break;
          const key = keys[Math.floor(random() * keys.length)]!;
          if (random() < 0.35 || typeof node[key] !== "object" || node[key] === null) {
            node[key] = weird[Math.floor(random() * weird.length)];
            break;
          }
          node = node[key];
        }
        expect(() => mapMetadata(doc)).not.toThrow();
      }
    }
  });
});
