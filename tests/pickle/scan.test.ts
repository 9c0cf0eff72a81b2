// scanPickle on real pickles from python3: every protocol, every opcode, compared with CPython's own
// account of each pickle (pickletools' opcode count, the unpickler's find_class calls).
import { beforeAll, describe, expect, it } from "vitest";
import { PICKLE_OPCODES } from "../../tooling/pickle/opcodes.ts";
import { scanPickle } from "../../tooling/pickle/scan.ts";
import { python, pythonPickles, type PythonPickle } from "../support/python-pickles.ts";

const MADE_BY_PYTHON = String.raw`
class Point:
    def __init__(self, x, y): self.x, self.y = x, y
class Other:
    pass
class Third:
    pass
class WithKwargs:
    def __new__(cls, *args, **kwargs): return object.__new__(cls)
    def __getnewargs_ex__(self): return ((1,), {"unit": "K"})

recursive = [1, 2]
recursive.append(recursive)
loop = ([],)
loop[0].append(loop)  # a tuple inside its own list: POP / POP_MARK when the memo catches it
nested = {
    "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**64, -2**200, 2**2100],
    "floats": [0.0, -1.5, 1e300, float("inf")],
    "text": ["", "ascii", "é", "\u20ac", "\U0001F600", "back\\slash", "new\nline", "x" * 300],
    "bytes": [b"", b"\x00\xff", b"y" * 300, bytearray(b"ba")],
    "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
    "sets": [set(), {1, 2}, frozenset({3}), frozenset()],
    "consts": [None, True, False],
    "ordered": collections.OrderedDict(a=1, b=[2]),
    "objects": [Point(1, 2), Point(3, Other()), Other()],
    "recursive": recursive, "loop": loop,
    "deep": [[[[[[[[["bottom"]]]]]]]]],
}
for protocol in range(6):
    P[f"nested-p{protocol}"] = pickle.dumps(nested, protocol=protocol)
    P[f"plain-p{protocol}"] = pickle.dumps({"a": [1, 2.5, 3], "b": (4, 5)}, protocol=protocol)

P["newobj-ex"] = pickle.dumps([WithKwargs(), WithKwargs()], protocol=4)
shared = [Point(i, "s%d" % i) for i in range(400)]
P["long-memo-p2"] = pickle.dumps([shared, shared[::-1]], protocol=2)  # LONG_BINPUT / LONG_BINGET
P["frames"] = pickle.dumps([{"k%d" % i: Point(i, str(i))} for i in range(30000)], protocol=4)
P["two-pickles"] = pickle.dumps([1, 2], protocol=2) + pickle.dumps("second", protocol=2)

class Saver(pickle.Pickler):
    def persistent_id(self, obj):
        return ("storage", obj.x) if isinstance(obj, Point) else None
for protocol in (0, 2):
    out = io.BytesIO()
    Saver(out, protocol=protocol).dump({"tensor": Point("key0", 0), "other": [Point("key1", 0)]})
    P[f"persid-p{protocol}"] = out.getvalue()

BUFFERS["buffers-p5"] = [pickle.PickleBuffer(bytearray(b"out-of-band")), pickle.PickleBuffer(b"read-only")]
P["buffers-p5"] = pickle.dumps([pickle.PickleBuffer(bytearray(b"out-of-band")), pickle.PickleBuffer(b"read-only"),
                                 bytearray(b"in-band")], protocol=5, buffer_callback=lambda b: False)

# Opcodes Python 3's pickler never writes (Python 2 wrote them), hand-assembled; the recorder below
# loads each with CPython's unpickler, so each is a valid pickle.
P["inst-obj"] = (b"(lp0\n(i__main__\nPoint\np1\n(dp2\nS'x'\np3\nI1\nsS'y'\np4\nI2\nsba"
                 b"(c__main__\nOther\np5\no}bag1\na.")
P["py2-strings"] = (b"\x80\x02(S'a\\x62\\n\\'q\\''\nT\x03\x00\x00\x00xyzU\x02hiV\\u20ac\\\\u\n"
                    b"\x8d\x02\x00\x00\x00\x00\x00\x00\x00okI01\nI00\nL12L\nF1.5\nt.")
P["binbytes8"] = b"\x80\x04\x8e\x03\x00\x00\x00\x00\x00\x00\x00abc."
P["dup-pop"] = b"\x80\x02K\x012\x86(K\x02K\x030K\x041(0K\x05\x86."
P["stack-global-hand"] = (b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x08__main__\x94\x8c\x05Point\x94\x93\x94"
                          b"h\x00h\x01\x93)\x81.")
P["stack-global-binstring"] = b"\x80\x04U\x08__main__U\x05Other\x93)\x81."

# Last, so that no other pickle uses the codes; they stay registered for the recorder's load.
copyreg.add_extension("__main__", "Point", 7)
copyreg.add_extension("__main__", "Other", 0x1234)
copyreg.add_extension("__main__", "Third", 0x7fff0001)
P["ext"] = pickle.dumps([Point(1, 2), Other(), Third()], protocol=2)
`;

let made: Record<string, PythonPickle>;
const pickle = (name: string) => {
  const found = made[name];
  if (found === undefined) throw new Error(`no python pickle ${name}`);
  return found;
};

beforeAll(async () => {
  made = await pythonPickles(MADE_BY_PYTHON);
});

describe("scanPickle agrees with CPython on python-made pickles", () => {
  it("walks each pickle to the same STOP, with the same globals and persistent ids", () => {
    expect(Object.keys(made).length).toBeGreaterThan(20);
    for (const [name, python] of Object.entries(made)) {
      const scan = scanPickle(python.bytes);
      // CPython resolves EXT codes through its registry; the scan cannot (see the EXT test).
      const globals = name === "ext" ? python.globals : scan.globals;
      expect({ name, opcodes: scan.opcodes, globals, pids: scan.persistentIds, trailing: scan.trailingBytes }).toEqual({
        name,
        opcodes: python.opcodes,
        globals: python.globals,
        pids: python.persistentIds,
        trailing: python.trailingBytes,
      });
    }
  });

  it("covers every opcode of pickletools across the test pickles", () => {
    const seen = new Set(Object.values(made).flatMap((p) => p.opnames));
    expect(PICKLE_OPCODES.map((op) => op.name).filter((name) => !seen.has(name))).toEqual([]);
  });

  it("reads protocols 0 to 5 of nested structures", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      const scan = scanPickle(pickle(`nested-p${protocol}`).bytes);
      expect(scan.protocol).toBe(protocol < 2 ? undefined : protocol);
      expect(scan.globals).toContain("__main__.Point");
      expect(scan.globals).toContain("collections.OrderedDict");
      expect(scan.modules).toEqual(["__main__"]);
      // A class of the script that saved it is on no reviewed list.
      expect(scan.verdict).toBe("unreviewed");
      expect(scan.flagged).toContain("__main__.Point");
    }
  });

  it("resolves STACK_GLOBAL names taken from the memo (protocol 4)", () => {
    const made = pickle("nested-p4");
    expect(made.opnames).toEqual(expect.arrayContaining(["STACK_GLOBAL", "MEMOIZE", "BINGET"]));
    expect(scanPickle(made.bytes).globals).toEqual(made.globals);
    const hand = scanPickle(pickle("stack-global-hand").bytes);
    expect(hand.globals).toEqual(["__main__.Point"]);
    expect(scanPickle(pickle("stack-global-binstring").bytes).globals).toEqual(["__main__.Other"]);
  });

  it("reads INST, OBJ, NEWOBJ and NEWOBJ_EX", () => {
    expect(scanPickle(pickle("inst-obj").bytes).globals).toEqual(["__main__.Other", "__main__.Point"]);
    expect(pickle("nested-p2").opnames).toContain("NEWOBJ");
    const ex = pickle("newobj-ex");
    expect(ex.opnames).toContain("NEWOBJ_EX");
    expect(scanPickle(ex.bytes).globals).toEqual(["__main__.WithKwargs"]);
  });

  it("records EXT1/EXT2/EXT4 as copyreg extension codes, which it cannot resolve", () => {
    const made = pickle("ext");
    expect(made.opnames).toEqual(expect.arrayContaining(["EXT1", "EXT2", "EXT4"]));
    const scan = scanPickle(made.bytes);
    const codes = ["copyreg.extension_code:2147418113", "copyreg.extension_code:4660", "copyreg.extension_code:7"];
    expect(scan.globals).toEqual(codes);
    expect(scan).toMatchObject({ verdict: "dangerous", flagged: codes, modules: [], weightsOnlyLoadable: false });
  });

  it("counts persistent ids (PERSID and BINPERSID)", () => {
    expect(scanPickle(pickle("persid-p0").bytes).persistentIds).toBe(2);
    expect(scanPickle(pickle("persid-p2").bytes).persistentIds).toBe(2);
  });

  it("reads protocol 5 out-of-band buffers and FRAMEs", () => {
    expect(pickle("buffers-p5").opnames).toEqual(expect.arrayContaining(["NEXT_BUFFER", "READONLY_BUFFER", "BYTEARRAY8"]));
    expect(scanPickle(pickle("buffers-p5").bytes)).toMatchObject({ protocol: 5, globals: [], verdict: "safe" });
    const frames = pickle("frames");
    expect(frames.bytes.length).toBeGreaterThan(3 * 65536);
    expect(scanPickle(frames.bytes).opcodes).toBe(frames.opcodes);
  });

  it("stops at the first STOP and reports the bytes after it", () => {
    const scan = scanPickle(pickle("two-pickles").bytes);
    expect(scan.trailingBytes).toBe(pickle("two-pickles").trailingBytes);
    expect(scan.trailingBytes).toBeGreaterThan(0);
  });

  it("keeps plain data safe and loadable with weights_only", () => {
    for (let protocol = 0; protocol <= 5; protocol++) {
      expect(scanPickle(pickle(`plain-p${protocol}`).bytes)).toMatchObject({
        globals: [],
        modules: [],
        verdict: "safe",
        flagged: [],
        weightsOnlyLoadable: true,
      });
    }
  });

  it("has the opcode table of pickletools", async () => {
    const table = JSON.parse(await python("import json, pickletools; print(json.dumps([[o.name, ord(o.code), o.proto] for o in pickletools.opcodes]))"));
    const ours = PICKLE_OPCODES.map((op) => [op.name, op.code, op.protocol]);
    expect([...ours].sort()).toEqual([...table].sort());
  });
});
