// Verdicts: python-made pickles that would run os.system or use getattr, plain data, and the
// rules' corner cases (dotted names, re-exported modules, Python 2 names, dunders).
import { beforeAll, describe, expect, it } from "vitest";
import { scanPickle } from "../../tooling/pickle/scan.ts";
import { DANGEROUS, judgeGlobal, POWERFUL } from "../../tooling/pickle/verdict.ts";
import { isWeightsOnlyGlobal, WEIGHTS_ONLY_GLOBALS } from "../../tooling/pickle/weights-only.ts";
import { pythonPickles, type PythonPickle } from "../support/python-pickles.ts";

const MADE_BY_PYTHON = String.raw`
class Pwned:
    def __reduce__(self): return (os.system, ("echo pwned",))
class Attribute:
    def __reduce__(self): return (getattr, (collections.OrderedDict(), "keys"))
for protocol in range(6):
    P[f"system-p{protocol}"] = pickle.dumps(Pwned(), protocol=protocol)
    P[f"getattr-p{protocol}"] = pickle.dumps(Attribute(), protocol=protocol)
    P[f"numbers-p{protocol}"] = pickle.dumps({"a": [1, 2, 3.5], "b": {"c": [4, 5]}}, protocol=protocol)
`;

let made: Record<string, PythonPickle>;
const bytesOf = (name: string) => made[name]!.bytes;

beforeAll(async () => {
  made = await pythonPickles(MADE_BY_PYTHON);
});

describe("verdicts on python-made pickles", () => {
  it("flags a __reduce__ to os.system as dangerous, under the name Python pickles it by", () => {
    // os.system is posix.system on Linux (nt.system on Windows), and the pickle names that.
    const expected = process.platform === "linux" ? ["posix.system"] : made["system-p0"]!.globals;
    for (let protocol = 0; protocol <= 5; protocol++) {
      const scan = scanPickle(bytesOf(`system-p${protocol}`));
      expect(made[`system-p${protocol}`]!.globals).toEqual(expected);
      expect(scan).toMatchObject({ verdict: "dangerous", flagged: expected, globals: expected, modules: [] });
      expect(scan.weightsOnlyLoadable).toBe(false);
    }
  });

  it("calls builtins.getattr powerful, whatever the protocol spells it (__builtin__ below 3)", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      const scan = scanPickle(bytesOf(`getattr-p${protocol}`));
      expect(scan).toMatchObject({ verdict: "powerful", flagged: ["builtins.getattr"], weightsOnlyLoadable: false });
      expect(scan.globals).toEqual(made[`getattr-p${protocol}`]!.globals);
    }
  });

  it("finds plain numbers safe and loadable with weights_only", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      expect(scanPickle(bytesOf(`numbers-p${protocol}`))).toMatchObject({ verdict: "safe", flagged: [], globals: [], weightsOnlyLoadable: true });
    }
  });
});

describe("judgeGlobal", () => {
  const verdict = (module: string, name: string) => judgeGlobal({ module, name }).verdict;

  it("matches whole module trees and exact names", () => {
    expect(verdict("os", "system")).toBe("dangerous");
    expect(verdict("os.path", "join")).toBe("dangerous");
    expect(verdict("subprocess", "Popen")).toBe("dangerous");
    expect(verdict("builtins", "eval")).toBe("dangerous");
    expect(verdict("builtins", "print")).toBe("safe");
    expect(verdict("torch", "load")).toBe("dangerous");
    expect(verdict("torch.hub", "load")).toBe("dangerous");
    expect(verdict("torch.storage", "_load_from_bytes")).toBe("dangerous");
    expect(verdict("functools", "partial")).toBe("dangerous");
    expect(verdict("_operator", "attrgetter")).toBe("dangerous");
    expect(verdict("_operator", "getitem")).toBe("powerful");
    expect(verdict("torch._utils", "_rebuild_tensor_v2")).toBe("safe");
    expect(verdict("collections", "OrderedDict")).toBe("safe");
  });

  it("sees through protocol 4 dotted names and re-exported modules", () => {
    expect(verdict("torch", "hub.load")).toBe("dangerous");
    expect(verdict("torch.serialization", "os.system")).toBe("dangerous");
    expect(verdict("torch.serialization", "pickle")).toBe("dangerous");
    expect(verdict("anything", "__builtins__.eval")).toBe("dangerous");
    expect(verdict("__builtin__", "eval")).toBe("dangerous");
    expect(verdict("numpy", "trace")).toBe("safe");
  });

  it("calls dunder walks powerful, but not copyreg's own helpers", () => {
    expect(verdict("builtins", "object.__subclasses__")).toBe("powerful");
    expect(verdict("copyreg", "__newobj__")).toBe("safe");
  });

  it("calls unresolvable globals dangerous", () => {
    expect(verdict("<dynamic>", "<dynamic>")).toBe("dangerous");
    expect(verdict("copyreg", "extension_code:7")).toBe("dangerous");
  });

  it("keeps the lists disjoint and well-formed", () => {
    const patterns = [...DANGEROUS, ...POWERFUL].map(([pattern]) => pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const pattern of patterns) expect(pattern).toMatch(/^[\w.]+(\.\*)?$/);
    for (const name of WEIGHTS_ONLY_GLOBALS) expect(judgeGlobal({ module: name.slice(0, name.lastIndexOf(".")), name: name.slice(name.lastIndexOf(".") + 1) }).verdict).toBe("safe");
  });
});

describe("weights_only allowlist", () => {
  it("holds the globals of a plain torch.save of tensors", () => {
    for (const name of ["torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "torch.FloatStorage", "torch.BFloat16Storage", "collections.OrderedDict", "torch.bfloat16", "torch.Size"]) {
      expect(isWeightsOnlyGlobal(name)).toBe(true);
    }
    for (const name of ["builtins.getattr", "torch.nn.modules.linear.Linear", "numpy.core.multiarray._reconstruct", "builtins.eval"]) {
      expect(isWeightsOnlyGlobal(name)).toBe(false);
    }
  });

  it("checks the names torch sees: Python 2 names are mapped only under protocol 2", () => {
    // Protocol 1 pickle of a set: CPython maps __builtin__.set to builtins.set, torch does not.
    const protocol1 = Buffer.from("c__builtin__\nset\n(]tR.", "latin1");
    expect(scanPickle(protocol1)).toMatchObject({ globals: ["builtins.set"], weightsOnlyLoadable: false });
    const protocol2 = Buffer.from("\x80\x02c__builtin__\nset\n(]tR.", "latin1");
    expect(scanPickle(protocol2)).toMatchObject({ globals: ["builtins.set"], weightsOnlyLoadable: true });
  });
});
