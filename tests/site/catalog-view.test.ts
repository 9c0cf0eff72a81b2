// The catalog's filtering, counting, sorting and URL state, on the catalog's fixture entries (the browser runs
// the same code).
import { beforeAll, describe, expect, it } from "vitest";
import { loadValidEntries } from "../../src/registry/validate.ts";
import { catalogItem, type ClientItem } from "../../src/site/catalog-item.ts";
import { emptyState, readState, writeState, type CatalogState } from "../../src/site/catalog-state.ts";
import { catalogView } from "../../src/site/catalog-view.ts";
import { catalogEntriesDir } from "../support/catalog-entries.ts";

let items: ClientItem[];
beforeAll(async () => {
  items = (await loadValidEntries(catalogEntriesDir)).map((e) => catalogItem(e.id, e.entry).client);
});
const state = (partial: Partial<CatalogState>): CatalogState => ({ ...emptyState(), ...partial });

describe("catalog view", () => {
  it("counts a facet's values with the other facets applied, so a value can still be added", () => {
    const view = catalogView(items, state({ facets: { os: ["macos"] } }));
    expect(view.shown).toHaveLength(7);
    expect(view.counts.os.get("linux")).toBe(11);
    expect(view.counts.task.get("ensemble")).toBe(1);
    expect([...view.counts.arch]).toEqual([
      ["x86_64", 7],
      ["aarch64", 7],
    ]);
  });

  it("ORs values within a facet and ANDs facets", () => {
    expect(catalogView(items, state({ facets: { status: ["demo", "operational"] } })).shown).toHaveLength(11);
    expect(catalogView(items, state({ facets: { status: ["demo"], author: ["MetNorway"] } })).shown).toEqual(["BRIS-Europe-2025.10"]);
  });

  it("needs every word of the query in the plain text, or a full-text hit", () => {
    expect(catalogView(items, state({ q: "ensemble linux" })).shown).toHaveLength(3);
    expect(catalogView(items, state({ q: "stl1" })).shown).toEqual([]);
    expect(catalogView(items, state({ q: "stl1" }), new Set(["imerg-gt"])).shown).toEqual(["imerg-gt"]);
  });

  it("passes a GPU need (FIAB's minimum, else the stated or estimated figure) within the bound, and counts each bound", () => {
    const view = catalogView(items, state({ gpuMaxGib: 8 }));
    expect(view.shown).toEqual(["aifs-global-o48", "aila-v2", "BRIS-Europe-2025.10", "imerg-gt"]);
    expect(view.gpuCounts.get(16)).toBe(4);
    expect(view.gpuCounts.get(24)).toBe(11);
  });

  it("facets by domain, the limited area's region and the finest grid spacing, and sorts finest first", () => {
    const global = catalogView(items, state({ facets: { domain: ["global"] } }));
    expect([...global.shown].sort()).toEqual([
      "aifs-ens-crps-1.0_w_flash_attn",
      "aifs-ens-crps-1.0_w_sdpa",
      "aifs-global-o48",
      "aifs-single-mse-1.1_w_flash_attn",
      "aifs-single-mse-1.1_w_flash_attn_aarch64",
      "aifs-single-mse-1.1_w_sdpa",
    ]);
    expect([...global.counts.region]).toEqual([["unknown", 6]]);
    const regions = catalogView(items, state({})).counts.region;
    expect(Object.fromEntries(regions)).toEqual({ "Nordic countries": 1, Malawi: 1, Europe: 1, unknown: 8 });
    expect(catalogView(items, state({ facets: { region: ["Malawi"] } })).shown).toEqual(["BRIS-Malawi-2025.10"]);
    expect(Object.fromEntries(catalogView(items, state({})).counts.resolution)).toEqual({ "0-5": 2, "15-40": 5, "40-100": 1, "100-": 1, unknown: 2 });
    const finest = catalogView(items, state({ sort: "resolution-asc" })).shown;
    expect(finest.slice(0, 2)).toEqual(["BRIS-2025.10", "BRIS-Malawi-2025.10"]);
    expect(finest.slice(-2).sort()).toEqual(["aila-v2", "imerg-gt"]);
  });

  it("sorts newest first by release date, undated last", () => {
    const newest = catalogView(items, state({ sort: "date-desc" })).shown;
    expect(newest.slice(0, 3)).toEqual(["aifs-single-mse-1.1_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn_aarch64", "aifs-single-mse-1.1_w_sdpa"]);
    expect(newest.slice(3, 5)).toEqual(["aifs-ens-crps-1.0_w_flash_attn", "aifs-ens-crps-1.0_w_sdpa"]);
  });

  it("sorts by size either way, unknown sizes last, ties by name", () => {
    const sizes = (sort: CatalogState["sort"]) => catalogView(items, state({ sort })).shown.map((id) => items.find((i) => i.id === id)!.size);
    const ascending = sizes("size-asc") as number[];
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(sizes("size-desc")).toEqual([...ascending].reverse());
  });

  it("lists what a machine excludes apart from what it shows", () => {
    const view = catalogView(items, state({ fit: { os: "macos", arch: "aarch64", gpuMemoryMib: 65536 } }));
    expect(view.shown).toHaveLength(7);
    expect(view.support.get("aifs-global-o48")).toEqual(["Runs on macOS.", "Needs about 1.25 GiB of GPU memory (estimated); this machine has 64 GiB."]);
    expect(view.excluded.map((x) => x.id).sort()).toEqual([
      "aifs-ens-crps-1.0_w_flash_attn",
      "aifs-single-mse-1.1_w_flash_attn",
      "aifs-single-mse-1.1_w_flash_attn_aarch64",
      "imerg-gt",
    ]);
  });
});

describe("catalog state in the URL", () => {
  const states: CatalogState[] = [
    emptyState(),
    state({ q: "n320 lam", facets: { os: ["linux", "macos"], accel: ["cuda:not-checked"] }, gpuMaxGib: 24, sort: "date-desc" }),
    state({ facets: { author: ["Met Norway & co"], license: ["Apache-2.0 OR MIT"] }, fit: {} }),
    state({ fit: { os: "linux", arch: "aarch64", gpuMemoryMib: 0 } }),
    state({ fit: { os: "macos", gpuMemoryMib: 12_288 }, sort: "size-asc" }),
  ];

  it.each(states)("reads back what it writes: %j", (s) => {
    const text = writeState(s);
    expect(readState(new URLSearchParams(text))).toEqual(s);
    expect(writeState(readState(new URLSearchParams(text)))).toBe(text);
  });

  it("ignores what it does not know instead of failing", () => {
    expect(readState(new URLSearchParams("?sort=random&gpu=7&fit-os=windows&fit=1&nonsense=1&os="))).toEqual(state({ fit: {} }));
  });

  it("writes the default state as no query at all", () => {
    expect(writeState(emptyState())).toBe("");
  });
});
