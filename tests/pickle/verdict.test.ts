// Verdicts by the reviewed list (tooling/pickle/allowlist.json): python-made pickles that run os.system,
// call what getattr fetched, or hold only data; and the rules' corner cases (dotted names, re-exported
// modules, Python 2 names, classes of reviewed packages, globals that may only be referenced).
import { beforeAll, describe, expect, it } from "vitest";
import { allowedUse } from "../../tooling/pickle/allowlist.ts";
import { scanPickle } from "../../tooling/pickle/scan.ts";
import { COMPUTED_CALL, DANGEROUS, judgeGlobal, USE_OUTSIDE_LIST } from "../../tooling/pickle/verdict.ts";
import { isWeightsOnlyGlobal, WEIGHTS_ONLY_GLOBALS } from "../../tooling/pickle/weights-only.ts";
import { pythonPickles, type PythonPickle } from "../support/python-pickles.ts";

const MADE_BY_PYTHON = String.raw`
import types
# A model class of a reviewed package, as a module of the name pickle records (nothing of anemoi is needed).
for name in ("anemoi", "anemoi.models"):
    sys.modules.setdefault(name, types.ModuleType(name))
models = sys.modules["anemoi.models"]
class Model:
    def forward(self, x): return x
Model.__module__ = "anemoi.models"
models.Model = Model
class Pwned:
    def __reduce__(self): return (os.system, ("echo pwned",))
class Forward:
    def __reduce__(self): return (getattr, (Model(), "forward"))
class Attribute:
    def __reduce__(self): return (getattr, (collections.OrderedDict(), "keys"))
class CallsAttribute:
    def __reduce__(self): return (Model().forward, ())
for protocol in range(6):
    P[f"system-p{protocol}"] = pickle.dumps(Pwned(), protocol=protocol)
    P[f"forward-p{protocol}"] = pickle.dumps(Forward(), protocol=protocol)
    P[f"getattr-p{protocol}"] = pickle.dumps(Attribute(), protocol=protocol)
    P[f"numbers-p{protocol}"] = pickle.dumps({"a": [1, 2, 3.5], "b": {"c": [4, 5]}}, protocol=protocol)
for protocol in range(2, 6):
    P[f"calls-attribute-p{protocol}"] = pickle.dumps(CallsAttribute(), protocol=protocol)
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
      expect(scan.reasons[0]).toMatch(/^posix\.system: processes, files$/);
      expect(scan.weightsOnlyLoadable).toBe(false);
    }
  });

  it("accepts getattr in its narrow form, a model's forward, whatever the protocol spells it (__builtin__ in protocol 2)", () => {
    // Protocols 0 and 1 pickle objects through copyreg._reconstructor, which the list does not review.
    for (let protocol = 2; protocol <= 5; protocol++) {
      const scan = scanPickle(bytesOf(`forward-p${protocol}`));
      expect(scan).toMatchObject({ verdict: "safe", flagged: [], weightsOnlyLoadable: false });
      expect(scan.globals).toEqual(made[`forward-p${protocol}`]!.globals);
    }
  });

  it("refuses getattr of anything else: another attribute, on an object no reviewed class made", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      const scan = scanPickle(bytesOf(`getattr-p${protocol}`));
      expect(scan).toMatchObject({ verdict: "unreviewed", flagged: [USE_OUTSIDE_LIST] });
      expect(scan.reasons[0]).toMatch(
        /^<use outside the reviewed list>: builtins\.getattr at byte \d+: argument 1 is what collections\.OrderedDict\(\) returned, where the list allows \(instance, attribute-name\)$/,
      );
    }
  });

  it("refuses to call what getattr fetched (a bound method as the callable of a reduce)", () => {
    for (let protocol = 2; protocol <= 5; protocol++) {
      const scan = scanPickle(bytesOf(`calls-attribute-p${protocol}`));
      expect(scan.verdict).toBe("unreviewed");
      expect(scan.flagged).toEqual([COMPUTED_CALL]);
      expect(scan.reasons[0]).toMatch(/call of a value made while unpickling/);
    }
  });

  it("finds plain numbers safe and loadable with weights_only", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      expect(scanPickle(bytesOf(`numbers-p${protocol}`))).toMatchObject({ verdict: "safe", flagged: [], globals: [], weightsOnlyLoadable: true });
    }
  });
});

describe("judgeGlobal", () => {
  const verdict = (module: string, name: string, called = false) => judgeGlobal({ module, name }, called).verdict;

  it("calls the denylist's globals dangerous, whole module trees and exact names", () => {
    expect(verdict("os", "system")).toBe("dangerous");
    expect(verdict("os.path", "join")).toBe("dangerous");
    expect(verdict("subprocess", "Popen")).toBe("dangerous");
    expect(verdict("builtins", "eval")).toBe("dangerous");
    expect(verdict("torch", "load")).toBe("dangerous");
    expect(verdict("torch.hub", "load")).toBe("dangerous");
    expect(verdict("torch.storage", "_load_from_bytes")).toBe("dangerous");
    expect(verdict("functools", "partial")).toBe("dangerous");
    expect(verdict("_operator", "attrgetter")).toBe("dangerous");
  });

  it("accepts only what the list reviews, for the use it reviews", () => {
    expect(verdict("torch._utils", "_rebuild_tensor_v2", true)).toBe("safe");
    expect(verdict("collections", "OrderedDict", true)).toBe("safe");
    expect(verdict("_operator", "getitem", true)).toBe("safe");
    expect(verdict("builtins", "print")).toBe("unreviewed");
    expect(verdict("numpy", "trace")).toBe("unreviewed");
    expect(verdict("copyreg", "_reconstructor", true)).toBe("unreviewed");
    expect(verdict("logging", "FileHandler", true)).toBe("unreviewed");
    expect(verdict("typing", "Union")).toBe("safe");
    expect(verdict("typing", "Union", true)).toBe("unreviewed");
    expect(verdict("flash_attn.flash_attn_interface", "flash_attn_func")).toBe("safe");
    expect(verdict("flash_attn.flash_attn_interface", "flash_attn_func", true)).toBe("unreviewed");
  });

  it("accepts classes of reviewed packages by their names, never functions or private paths", () => {
    expect(verdict("torch.nn.modules.linear", "Linear", true)).toBe("safe");
    expect(verdict("anemoi.models.layers.processor", "TransformerProcessor", true)).toBe("safe");
    expect(verdict("torch_geometric.data.hetero_data", "HeteroData", true)).toBe("safe");
    expect(verdict("anemoi.models.layers.processor", "build_processor", true)).toBe("unreviewed");
    expect(verdict("anemoi.models._private", "Thing", true)).toBe("unreviewed");
    expect(verdict("anemoi.datasets.data", "Dataset", true)).toBe("unreviewed");
    expect(verdict("torch.nnx", "Linear", true)).toBe("unreviewed");
    expect(allowedUse("anemoi.models", "Model")).toMatchObject({ use: "call" });
  });

  it("sees through protocol 4 dotted names and re-exported modules, and refuses attribute paths", () => {
    expect(verdict("torch", "hub.load")).toBe("dangerous");
    expect(verdict("torch.serialization", "os.system")).toBe("dangerous");
    expect(verdict("torch.serialization", "pickle")).toBe("dangerous");
    expect(verdict("anything", "__builtins__.eval")).toBe("dangerous");
    expect(verdict("__builtin__", "eval")).toBe("dangerous");
    expect(verdict("threading", "_os.system")).toBe("dangerous");
    expect(verdict("builtins", "object.__subclasses__")).toBe("unreviewed");
    expect(verdict("torch.nn.modules.linear", "Linear.__call__")).toBe("unreviewed");
  });

  it("calls unresolvable globals dangerous", () => {
    expect(verdict("<dynamic>", "<dynamic>")).toBe("dangerous");
    expect(verdict("copyreg", "extension_code:7")).toBe("dangerous");
  });

  it("keeps the denylist well-formed, and accepts everything torch's weights_only loader accepts but the rebuilds no model pickle uses", () => {
    const patterns = DANGEROUS.map(([pattern]) => pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const pattern of patterns) expect(pattern).toMatch(/^[\w.]+(\.\*)?$/);
    // Quantized, sparse, nested and wrapper-subclass tensors hand their arguments to C++ constructors that trust
    // them; no anemoi checkpoint has them, so the list does not review them.
    const unreviewed = ["_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_nested_tensor", "_rebuild_wrapper_subclass"].map((f) => `torch._utils.${f}`);
    const verdicts = [...WEIGHTS_ONLY_GLOBALS].map((name) => [
      name,
      judgeGlobal({ module: name.slice(0, name.lastIndexOf(".")), name: name.slice(name.lastIndexOf(".") + 1) }).verdict,
    ]);
    expect(
      verdicts
        .filter(([, v]) => v !== "safe")
        .map(([name]) => name)
        .sort(),
    ).toEqual(unreviewed.sort());
  });
});

describe("weights_only allowlist", () => {
  it("holds the globals of a plain torch.save of tensors", () => {
    for (const name of [
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter",
      "torch.FloatStorage",
      "torch.BFloat16Storage",
      "collections.OrderedDict",
      "torch.bfloat16",
      "torch.Size",
    ]) {
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
