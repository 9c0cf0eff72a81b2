// FIAB's qube of a set of variables: root -> levtype -> param -> level, with params that share the same
// levels merged into one node, in the encoding of FIAB's own store (see tests/fixtures/fiab).
import type { QubeNode, Variable } from "../../src/contract/index.ts";
import { compareLevelTypes, levelTypeName } from "../../src/contract/level-types.ts";
import { byCodePoint } from "../../src/text/code-point-order.ts";

function node(key: string, dtype: "str" | "int64", values: Array<string | number>, children: QubeNode[], metadata: Record<string, unknown> = {}): QubeNode {
  return { key, values: { type: "enum", dtype, values }, metadata, children };
}

function levtypeNode(levtype: string, variables: readonly Variable[]): QubeNode {
  const levels = new Map<string, Set<number>>();
  for (const v of variables) {
    const set = levels.get(v.param!) ?? new Set<number>();
    if (v.level !== undefined) set.add(v.level);
    levels.set(v.param!, set);
  }
  // Params with the same level set share one param node.
  const groups = new Map<string, { params: string[]; levels: number[] }>();
  for (const [param, set] of [...levels].sort(([a], [b]) => byCodePoint(a, b))) {
    const sorted = [...set].sort((a, b) => a - b);
    const key = sorted.join(",");
    const group = groups.get(key) ?? { params: [], levels: sorted };
    group.params.push(param);
    groups.set(key, group);
  }
  const paramNodes = [...groups.values()].map((g) => node("param", "str", g.params, g.levels.length > 0 ? [node("level", "int64", g.levels, [])] : []));
  const name = levelTypeName(levtype);
  return node("levtype", "str", [levtype], paramNodes, name ? { name: { shape: [1, 1, 1], dtype: "str", values: [name] } } : {});
}

/** The qube of the variables that have MARS keys (computed forcings have none and are left out). */
export function qubeOf(variables: readonly Variable[]): QubeNode {
  const byLevtype = new Map<string, Variable[]>();
  for (const v of variables) {
    if (!v.param || !v.levtype) continue;
    byLevtype.set(v.levtype, [...(byLevtype.get(v.levtype) ?? []), v]);
  }
  const levtypes = [...byLevtype.keys()].sort(compareLevelTypes);
  return node(
    "root",
    "str",
    ["root"],
    levtypes.map((l) => levtypeNode(l, byLevtype.get(l)!)),
  );
}
