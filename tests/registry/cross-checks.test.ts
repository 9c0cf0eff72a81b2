// crossCheckChanged, the check of a write into valid entries, finds what the full check finds: the same
// problems for every kind of cross-entry defect a written entry can bring, and nothing for a sound write.
import { describe, expect, it } from "vitest";
import { crossCheck, crossCheckChanged } from "../../src/registry/cross-checks.ts";
import type { LoadedEntry } from "../../src/registry/entries.ts";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";
import { fixtureEntriesDir } from "../support/helpers.ts";

const valid = await loadValidEntries(fixtureEntriesDir);
const like = (id: string) => structuredClone(valid.find((e) => e.id === id)!);

/** The registry after writing `written` (new or replacing), in the order validate reads it. */
function after(...written: LoadedEntry[]): LoadedEntry[] {
  const byId = new Map(valid.map((e) => [e.id, e]));
  for (const w of written) byId.set(w.id, w);
  return [...byId.values()].sort((a, b) => byCodePoint(a.id, b.id));
}

const defects: Record<string, () => LoadedEntry[]> = {
  "a new entry with another's URL": () => {
    const copy = like("aila-v2");
    return [{ ...copy, id: "aila-copy", file: "aila-copy.json", entry: { ...copy.entry, variants: undefined } }];
  },
  "a new entry whose mirror is another's URL": () => {
    const copy = like("aila-v2");
    const other = like("imerg-gt");
    return [
      {
        ...copy,
        id: "mirror",
        file: "mirror.json",
        entry: { ...copy.entry, source: { ...copy.entry.source, url: "https://example.org/m.ckpt", mirrors: [other.entry.source.url] } },
      },
    ];
  },
  "an id equal to another but for case": () => {
    const copy = like("aila-v2");
    return [{ ...copy, id: "AILA-v2", file: "AILA-v2.json", entry: { ...copy.entry, source: { url: "https://example.org/other.ckpt", sizeBytes: 1 } } }];
  },
  "a variant listed on one side only": () => {
    const changed = like("aila-v2");
    changed.entry.variants = ["imerg-gt"];
    return [changed];
  },
  "a variant link dropped on one side": () => {
    const changed = like("aifs-single-mse-1.1_w_sdpa");
    changed.entry.variants = (changed.entry.variants ?? []).slice(1);
    return [changed];
  },
  "a variant naming no entry": () => {
    const changed = like("aila-v2");
    changed.entry.variants = ["no-such-entry"];
    return [changed];
  },
  "a status the evidence does not give": () => {
    const changed = like("aila-v2");
    const evidence = {
      check: "unpickle" as const,
      result: "fail" as const,
      date: "2026-11-20T10:00:00Z",
      tool: { name: "registry", version: "0.1.0" },
      environment: { os: "linux" },
    };
    changed.entry.compatibility = { "linux-x86_64-cpu": { status: "compatible", statusRule: 1, evidence: [evidence] } } as never;
    return [changed];
  },
};

describe("crossCheckChanged", () => {
  it("finds nothing in a sound write", () => {
    const copy = like("aila-v2");
    const fresh = {
      ...copy,
      id: "aila-v3",
      file: "aila-v3.json",
      entry: { ...copy.entry, variants: undefined, source: { url: "https://example.org/aila-v3.ckpt", sizeBytes: 1 } },
    };
    expect(crossCheckChanged(after(fresh), new Set(["aila-v3"]))).toEqual([]);
  });

  for (const [defect, make] of Object.entries(defects)) {
    it(`finds what the full check finds: ${defect}`, () => {
      const written = make();
      const entries = after(...written);
      const full = crossCheck(entries);
      expect(full.length, "the defect is one the full check sees").toBeGreaterThan(0);
      expect(crossCheckChanged(entries, new Set(written.map((w) => w.id)))).toEqual(full);
    });
  }
});
