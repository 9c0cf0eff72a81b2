// MARS level types: the names FIAB's qubes give them and the order in which they are listed.
// Level types not listed keep their code and come after these, in code-point order.
import { byCodePoint } from "../text/code-point-order.ts";

const levelTypes: ReadonlyArray<readonly [code: string, name: string]> = [
  ["pl", "pressure"],
  ["ml", "model"],
  ["pt", "potential temperature"],
  ["pv", "potential vorticity"],
  ["sfc", "surface"],
  ["sol", "soil"],
];

const names = new Map(levelTypes);
const rank = new Map(levelTypes.map(([code], i) => [code, i]));

/** "pressure" for "pl"; undefined for a level type not in the table. */
export function levelTypeName(code: string): string | undefined {
  return names.get(code);
}

/** Known level types in table order, then the others by code point. */
export function compareLevelTypes(a: string, b: string): number {
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra !== undefined || rb !== undefined) return ra === undefined ? 1 : rb === undefined ? -1 : ra - rb;
  return byCodePoint(a, b);
}
