import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fieldCount, fromQube, fromVariables, glanceItems, ioVariables, noLevtype, type QubeLike, type QubeNodeLike } from "../../src/site/qube-variables.ts";

function entry(id: string): { inputs: { qube: QubeLike }; outputs: { qube: QubeLike } } {
  return JSON.parse(readFileSync(new URL(`../fixtures/entries/catalog/${id}.json`, import.meta.url), "utf8"));
}

function node(key: string, values: Array<string | number>, children: QubeNodeLike[] = [], metadata: Record<string, unknown> = {}): QubeNodeLike {
  return { key, values: { values }, metadata, children };
}

const o48Levels = [50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 850, 925, 1000];

describe("fromQube on real entries", () => {
  it("reads the aifs-global-o48 input qube", () => {
    const [data, ...rest] = fromQube(entry("aifs-global-o48").inputs.qube);
    expect(rest).toEqual([]);
    expect(data?.dataset).toBeUndefined();
    const [pl, sfc] = data?.groups ?? [];
    expect(pl).toMatchObject({ levtype: "pl", name: "pressure", params: ["q", "t", "u", "v", "w", "z"], levels: o48Levels, fields: 78 });
    expect(pl?.rows).toEqual([{ params: ["q", "t", "u", "v", "w", "z"], levels: o48Levels, categories: [] }]);
    expect(sfc).toMatchObject({ levtype: "sfc", name: "surface", levels: [], fields: 12 });
    expect(sfc?.params).toEqual(["10u", "10v", "2d", "2t", "lsm", "msl", "sdor", "skt", "slor", "sp", "tcw", "z"]);
    expect(fieldCount(fromQube(entry("aifs-global-o48").inputs.qube))).toBe(90);
  });

  it("keeps params with different levels on separate rows (imerg-gt)", () => {
    const [pl] = fromQube(entry("imerg-gt").inputs.qube)[0]?.groups ?? [];
    expect(pl?.rows.map((r) => [r.params, r.levels.length])).toEqual([
      [["q"], 12],
      [["t", "u", "v", "z"], 14],
    ]);
    expect(pl?.levels).toHaveLength(14);
    expect(pl?.levels[0]).toBe(10);
  });

  it("reads every real entry's qubes without losing a param", () => {
    for (const id of ["BRIS-2025.10", "aila-v2", "aifs-ens-crps-1.0_w_sdpa", "aifs-single-mse-1.1_w_flash_attn"]) {
      const e = entry(id);
      for (const qube of [e.inputs.qube, e.outputs.qube]) {
        const groups = fromQube(qube)[0]?.groups ?? [];
        expect(groups.map((g) => g.levtype)).toEqual(["pl", "sfc"]);
        expect(groups.every((g) => g.params.length > 0)).toBe(true);
      }
    }
  });
});

describe("fromQube shapes", () => {
  it("reads a nested model's qube keyed by dataset, in code-point order", () => {
    const lam = node("root", ["root"], [node("levtype", ["sfc"], [node("param", ["2t", "10u"])])]);
    const global = node("root", ["root"], [node("levtype", ["pl"], [node("param", ["t"], [node("level", [850, 500])])])]);
    const result = fromQube({ lam_0: lam, global });
    expect(result.map((d) => d.dataset)).toEqual(["global", "lam_0"]);
    expect(result[0]?.groups[0]).toMatchObject({ levtype: "pl", name: "pressure", params: ["t"], levels: [500, 850] });
    expect(result[1]?.groups[0]).toMatchObject({ levtype: "sfc", params: ["10u", "2t"], fields: 2 });
    expect(glanceItems(result)).toEqual([
      { dataset: "global", parts: ["pl 1×2"] },
      { dataset: "lam_0", parts: ["sfc 2"] },
    ]);
  });

  it("names level types from metadata, else from MARS, and ignores other axes", () => {
    const qube = node(
      "root",
      ["root"],
      [
        node("levtype", ["ml"], [node("step", [0, 6], [node("param", ["t"], [node("level", [137, 1])])])], { name: { values: ["hybrid"] } }),
        node("levtype", ["sol"], [node("param", ["vsw"], [node("level", [1, 2])])]),
      ],
    );
    const groups = fromQube(qube)[0]?.groups ?? [];
    expect(groups.map((g) => [g.levtype, g.name, g.levels])).toEqual([
      ["ml", "hybrid", [1, 137]],
      ["sol", "soil", [1, 2]],
    ]);
  });

  it("puts params without a level type in their own group", () => {
    const groups = fromQube(node("root", ["root"], [node("param", ["cos_latitude"])]))[0]?.groups ?? [];
    expect(groups).toMatchObject([{ levtype: noLevtype, name: "no level type", params: ["cos_latitude"], fields: 1 }]);
  });
});

describe("fromVariables and ioVariables", () => {
  const variables = [
    { name: "t_850", category: "prognostic", param: "t", levtype: "pl", level: 850 },
    { name: "t_500", category: "prognostic", param: "t", levtype: "pl", level: 500 },
    { name: "z_500", category: "prognostic", param: "z", levtype: "pl", level: 500 },
    { name: "lsm", category: "constant", param: "lsm", levtype: "sfc" },
    { name: "2t", category: "prognostic", param: "2t", levtype: "sfc" },
    { name: "cos_latitude", category: "computed" },
  ];

  it("groups variables by level type with categories", () => {
    const [data] = fromVariables(variables);
    expect(data?.groups.map((g) => g.levtype)).toEqual(["pl", "sfc", noLevtype]);
    expect(data?.groups[0]?.rows).toEqual([
      { params: ["t"], levels: [500, 850], categories: ["prognostic"] },
      { params: ["z"], levels: [500], categories: ["prognostic"] },
    ]);
    expect(data?.groups[1]?.rows.map((r) => [r.params, r.categories])).toEqual([
      [["2t"], ["prognostic"]],
      [["lsm"], ["constant"]],
    ]);
    expect(data?.groups[2]?.params).toEqual(["cos_latitude"]);
  });

  it("groups by dataset when variables name one", () => {
    const result = fromVariables([
      { name: "2t", category: "prognostic", dataset: "lam_0", param: "2t", levtype: "sfc" },
      { name: "2t", category: "prognostic", dataset: "global", param: "2t", levtype: "sfc" },
    ]);
    expect(result.map((d) => d.dataset)).toEqual(["global", "lam_0"]);
  });

  it("prefers explicit variables over the qube, and says unknown when neither is given", () => {
    const qube = entry("aifs-global-o48").inputs.qube;
    expect(ioVariables({ variables, qube })?.from).toBe("variables");
    expect(ioVariables({ variables: [], qube })?.from).toBe("qube");
    expect(ioVariables({})).toBeUndefined();
    expect(ioVariables(undefined)).toBeUndefined();
  });
});
