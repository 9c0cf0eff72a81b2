// Differential test against CPython: mutated pickles go through scanPickle and through CPython's two
// unpicklers (find_class stubbed, so nothing is imported). Where CPython loads a pickle, the scan
// must load it too and name the same globals; the only pickles it may refuse that the C unpickler
// loads are those CPython's loaders read differently (an argument crossing a FRAME's end).
import { beforeAll, expect, it } from "vitest";
import { PickleScanError, scanPickle } from "../../tooling/pickle/scan.ts";
import { mutate, random } from "../support/mutate.ts";
import { cpythonLoads, pythonPickles, type CPythonLoad } from "../support/python-pickles.ts";

const SEED = 0xd1ff;
const CASES_PER_PROTOCOL = 600;

let cases: Uint8Array[];
let cpython: CPythonLoad[];

beforeAll(async () => {
  const made = await pythonPickles(String.raw`
class Point:
    def __init__(self, x): self.x = x
data = {"a": [1, 2.5, "thr\u00e9e", b"four", (5, 6), None, True], "p": [Point(1), Point("x")], "s": {7, 8},
        "f": frozenset({1}), "o": collections.OrderedDict(k=[9]), "big": 2**100}
for protocol in range(6):
    P[f"p{protocol}"] = pickle.dumps(data, protocol=protocol)
`);
  const rng = random(SEED);
  cases = Object.values(made).flatMap((p) => Array.from({ length: CASES_PER_PROTOCOL }, () => mutate(p.bytes, rng, 1)));
  cpython = await cpythonLoads(cases);
}, 120_000);

it("loads what CPython loads, and names the same globals", () => {
  const tally = { bothLoad: 0, onlyScanLoads: 0, refusedFrameCrossing: 0, bothRefuse: 0 };
  cases.forEach((bytes, i) => {
    const python = cpython[i]!;
    const context = `case ${i} (seed ${SEED}): ${Buffer.from(bytes).toString("base64")}`;
    let scan: ReturnType<typeof scanPickle> | undefined;
    let refusal: PickleScanError | undefined;
    try {
      scan = scanPickle(bytes);
    } catch (error) {
      if (!(error instanceof PickleScanError)) throw error;
      refusal = error;
    }
    if (scan !== undefined && python.ok) {
      expect({ globals: scan.globals, end: bytes.length - scan.trailingBytes, ids: scan.persistentIds }, context).toEqual({
        globals: python.globals,
        end: python.end,
        ids: python.persistentIds,
      });
      tally.bothLoad++;
    } else if (scan !== undefined) {
      tally.onlyScanLoads++; // CPython also checks values (UTF-8, numbers, types of call arguments)
    } else if (python.c === true) {
      expect(refusal?.message, context).toContain("crosses the end of its FRAME");
      tally.refusedFrameCrossing++;
    } else {
      tally.bothRefuse++; // pickle.py may load some of these: the C unpickler (torch's) is stricter
    }
  });
  expect(tally.bothLoad).toBeGreaterThan(400);
  expect(tally.bothRefuse).toBeGreaterThan(1000);
});
