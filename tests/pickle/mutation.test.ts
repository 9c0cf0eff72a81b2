// Mutation test: thousands of seeded random corruptions of real pickles. scanPickle must return a
// consistent scan or throw PickleScanError: never another exception, never a hang.
import { beforeAll, expect, it } from "vitest";
import { PickleScanError, scanPickle, type PickleScan } from "../../tooling/pickle/scan.ts";
import { aifsDataPickle } from "../support/aifs-pickle.ts";
import { mutate, random } from "../support/mutate.ts";
import { pythonPickles } from "../support/python-pickles.ts";
import { COMPUTED_CALL, USE_OUTSIDE_LIST } from "../../tooling/pickle/verdict.ts";

const SEED = 0x5eed_2024;

function checkConsistent(scan: PickleScan, length: number): void {
  expect(scan.opcodes).toBeGreaterThan(0);
  expect(scan.opcodes).toBeLessThanOrEqual(length);
  expect(scan.trailingBytes).toBeGreaterThanOrEqual(0);
  expect(scan.trailingBytes).toBeLessThan(length);
  expect(new Set(scan.globals).size).toBe(scan.globals.length);
  for (const name of scan.flagged) if (name !== COMPUTED_CALL && name !== USE_OUTSIDE_LIST) expect(scan.globals).toContain(name);
  expect(scan.reasons).toHaveLength(scan.flagged.length);
  expect(scan.flagged.length === 0).toBe(scan.verdict === "safe");
}

let bases: { name: string; bytes: Uint8Array; mutations: number }[];

beforeAll(async () => {
  const made = await pythonPickles(String.raw`
class Point:
    def __init__(self, x): self.x = x
data = {"a": [1, 2.5, "three", b"four", (5, 6)], "p": [Point(1), Point("x")], "s": {7, 8}, "o": collections.OrderedDict(k=[9])}
for protocol in range(6):
    P[f"p{protocol}"] = pickle.dumps(data, protocol=protocol)
P["getattr"] = pickle.dumps(getattr, protocol=4)
`);
  bases = [
    { name: "aifs data.pkl", bytes: aifsDataPickle(), mutations: 1500 },
    ...Object.entries(made).map(([name, p]) => ({ name, bytes: p.bytes, mutations: 700 })),
  ];
});

it("returns or throws PickleScanError on thousands of mutated pickles", { timeout: 60_000 }, () => {
  const rng = random(SEED);
  const outcomes = { scanned: 0, rejected: 0 };
  let slowest = 0;
  for (const base of bases) {
    for (let i = 0; i < base.mutations; i++) {
      const mutated = mutate(base.bytes, rng);
      // CPU time, not wall time: the machine's other work must not make a linear scan look slow.
      const started = process.cpuUsage();
      try {
        checkConsistent(scanPickle(mutated), mutated.length);
        outcomes.scanned++;
      } catch (error) {
        if (!(error instanceof PickleScanError)) {
          throw new Error(`${base.name}, mutation ${i} (seed ${SEED}): ${String(error)}\n${Buffer.from(mutated).toString("base64")}`, { cause: error });
        }
        expect(error.offset).toBeGreaterThanOrEqual(0);
        expect(error.offset).toBeLessThanOrEqual(mutated.length);
        outcomes.rejected++;
      }
      const used = process.cpuUsage(started);
      slowest = Math.max(slowest, (used.user + used.system) / 1000);
    }
  }
  // Both outcomes occur: the mutations are neither all harmless nor all fatal.
  expect(outcomes.scanned).toBeGreaterThan(100);
  expect(outcomes.rejected).toBeGreaterThan(1000);
  // Linear time: no single input of at most ~140 KB takes long.
  expect(slowest).toBeLessThan(250);
});
