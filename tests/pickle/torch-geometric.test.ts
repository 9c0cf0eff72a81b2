// Real torch_geometric 2.8 checkpoints (torch 2.11, saved on an NVIDIA H200 from the GPU and from the CPU): their
// MessagePassing layers keep hook dicts made by typing.OrderedDict(), pickled as an OrderedDict and a BUILD with
// {'__orig_class__': typing.OrderedDict}. The scan calls them safe (the model's own package allowed, as
// --allow-package does), and refuses every copy whose state is anything else.
import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { scanPickle } from "../../tooling/pickle/scan.ts";
import { op } from "../security/gadget-chains.ts";
import { PYG_CHECKPOINTS, PYG_MODEL_PACKAGE, pygDataPickle, pygMutations } from "../support/pyg-pickles.ts";

describe.each(PYG_CHECKPOINTS)("the torch_geometric checkpoint %s", (checkpoint) => {
  const pickle = pygDataPickle(checkpoint);

  it("holds 20 OrderedDicts (10 hook dicts of each MessagePassing layer) with the state typing.OrderedDict() gives them, by pickletools' account", async () => {
    // CPython's disassembly, not the scan's: BUILDs right after a SETITEM of typing.OrderedDict (or its memo copy).
    const count = String.raw`
import pickletools, sys
ops = [(op.name, arg) for op, arg, _ in pickletools.genops(sys.stdin.buffer.read())]
memo = [ops[i + 1][1] for i, op in enumerate(ops) if op == ("GLOBAL", "typing OrderedDict")]
alias = lambda op: op == ("GLOBAL", "typing OrderedDict") or (op[0] in ("BINGET", "LONG_BINGET") and op[1] in memo)
value = lambda i: ops[i - 1] if ops[i][0] in ("BINPUT", "LONG_BINPUT") else ops[i]
print(len(memo), sum(1 for i, op in enumerate(ops) if op[0] == "BUILD" and ops[i - 1][0] == "SETITEM" and alias(value(i - 2))))
`;
    const run = await execa("python3", ["-c", count], { input: pickle });
    expect(run.stdout).toBe("1 20");
  });

  it("is safe with its model's package allowed", () => {
    const scan = scanPickle(pickle, { allowPackages: [PYG_MODEL_PACKAGE] });
    expect(scan).toMatchObject({ verdict: "safe", flagged: [], protocol: 2, trailingBytes: 0 });
    expect(scan.globals).toEqual(
      expect.arrayContaining([
        "typing.OrderedDict",
        "collections.OrderedDict",
        "torch_geometric.inspector.Inspector",
        "torch_geometric.nn.aggr.basic.MeanAggregation",
        "_operator.getitem",
        "inspect._empty",
      ]),
    );
  });

  it("is held back only by the model's own classes without it", () => {
    const scan = scanPickle(pickle);
    expect(scan.verdict).toBe("unreviewed");
    expect(scan.reasons.length).toBeGreaterThan(0);
    for (const reason of scan.reasons) expect(reason).toMatch(/pyg_toy\./);
  });

  it.each(Object.keys(pygMutations(pickle)))("is refused when the OrderedDicts' state has %s", (mutation) => {
    const scan = scanPickle(pygMutations(pickle)[mutation]!, { allowPackages: [PYG_MODEL_PACKAGE] });
    expect(scan.verdict).not.toBe("safe");
    expect(scan.reasons.join("\n")).toMatch(/BUILD at byte \d+: the state of ordered-dict is .*, not ordered-dict-origin/);
  });
});

describe("the state of an OrderedDict, as the scan knows it", () => {
  const g = op.global;
  const key = op.str("__orig_class__");
  const alias = g("typing", "OrderedDict");
  const ordered = op.call(g("collections", "OrderedDict"));
  // The state dict made first and kept in the memo (BINPUT 0), the OrderedDict built with it later (BINGET 0).
  const later = (between: Buffer) =>
    op.pickle(Buffer.concat([op.dict([key, alias]), Buffer.from("q\x000", "latin1"), between, op.build(ordered, Buffer.from("h\x00", "latin1"))]));

  it("is known when the dict was made shortly before its BUILD", () => {
    expect(scanPickle(later(Buffer.alloc(0))).verdict).toBe("safe");
    expect(scanPickle(later(Buffer.concat(Array.from({ length: 1000 }, () => Buffer.from("}0", "latin1"))))).verdict).toBe("safe");
  });

  it("counts against the pickle when more than 1,024 dicts were made in between, or a key was set twice", () => {
    expect(scanPickle(later(Buffer.concat(Array.from({ length: 1024 }, () => Buffer.from("}0", "latin1"))))).reasons.join()).toMatch(
      /the state of ordered-dict is a dict with keys other than attribute names, not ordered-dict-origin/,
    );
    // Python keeps one item; the scan counts the items set, and refuses rather than track replacements.
    expect(scanPickle(op.pickle(op.build(ordered, op.setitem(op.dict([key, alias]), key, alias)))).verdict).not.toBe("safe");
  });
});
