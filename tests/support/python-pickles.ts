// Real pickles made by the system python3 (standard library only), with CPython's own account of
// each: its opcodes (pickletools) and the globals its unpickler asks for. The account comes from
// loading the pickle with find_class stubbed out, so nothing a test pickle names is ever imported.
import { execa } from "execa";

export type PythonPickle = {
  bytes: Uint8Array;
  /** Opcodes up to and including the first STOP, as pickletools.genops counts them. */
  opcodes: number;
  /** Distinct opcode names in the pickle. */
  opnames: string[];
  /** "module.name" for each find_class call, after the Python 2 name fixes CPython applies. */
  globals: string[];
  persistentIds: number;
  trailingBytes: number;
};

const PRELUDE = String.raw`
import base64, collections, copyreg, io, json, os, pickle, pickletools, sys, zipfile, _compat_pickle

class Anything:
    def __new__(cls, *args, **kwargs): return object.__new__(cls)
    def __init__(self, *args, **kwargs): pass
    def __call__(self, *args, **kwargs): return Anything()
    def __setstate__(self, state): pass
    def __setitem__(self, key, value): pass
    def extend(self, items): pass
    def append(self, item): pass
    def add(self, item): pass

class Recorder(pickle._Unpickler):
    """CPython's unpickler that records, and never imports, what find_class is asked for."""
    def __init__(self, data, buffers):
        super().__init__(io.BytesIO(data), buffers=buffers)
        self.seen, self.pids = set(), 0
    def find_class(self, module, name):
        if self.proto < 3:
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        self.seen.add(module + "." + name)
        return Anything
    def persistent_load(self, pid):
        self.pids += 1
        return Anything()

P, BUFFERS = {}, {}

def describe(data, buffers):
    ops = list(pickletools.genops(data))
    recorder = Recorder(data, buffers)
    recorder.load()
    return {
        "b64": base64.b64encode(data).decode(), "opcodes": len(ops),
        "opnames": sorted({op.name for op, _, _ in ops}), "globals": sorted(recorder.seen),
        "persistentIds": recorder.pids, "trailingBytes": len(data) - ops[-1][2] - 1,
    }
`;

const EPILOGUE = String.raw`
print(json.dumps({name: describe(data, BUFFERS.get(name)) for name, data in P.items()}))
`;

/** Runs `body` (Python that fills the dict P with name -> pickle bytes) and describes each pickle. */
export async function pythonPickles(body: string): Promise<Record<string, PythonPickle>> {
  const { stdout } = await execa("python3", ["-"], { input: `${PRELUDE}\n${body}\n${EPILOGUE}` });
  const described = JSON.parse(stdout) as Record<string, Omit<PythonPickle, "bytes"> & { b64: string }>;
  return Object.fromEntries(
    Object.entries(described).map(([name, { b64, ...rest }]) => [name, { ...rest, bytes: new Uint8Array(Buffer.from(b64, "base64")) }]),
  );
}

export type CPythonLoad = {
  /** pickle.py's unpickler (find_class stubbed) loaded it. */
  ok: boolean;
  globals?: string[];
  persistentIds?: number;
  /** Offset after the first STOP, from pickletools. */
  end?: number;
  /** The C unpickler (as torch.load runs it: over a BytesIO) loaded it; null when not tried. */
  c: boolean | null;
};

const LOADS = String.raw`
class CRecorder(pickle.Unpickler):
    def find_class(self, module, name): return Anything
    def persistent_load(self, pid): return Anything()

def c_loads(data):
    try:
        # The C unpickler sizes its memo array by the largest key: a LONG_BINPUT of 2**32 would
        # make it walk billions of slots. Not tried then.
        for op, arg, pos in pickletools.genops(data):
            if op.name in ("PUT", "BINPUT", "LONG_BINPUT") and int(arg) > 10**6: return None
    except Exception: pass
    try:
        CRecorder(io.BytesIO(data), buffers=iter([b"x"] * 100)).load()
        return True
    except Exception:
        return False

out = []
for line in sys.stdin:
    data = base64.b64decode(line)
    recorder = Recorder(data, iter([b"x"] * 100))
    try:
        recorder.load()
        end = [pos + 1 for op, arg, pos in pickletools.genops(data)][-1]
        out.append({"ok": True, "globals": sorted(recorder.seen), "persistentIds": recorder.pids, "end": end, "c": c_loads(data)})
    except Exception:
        out.append({"ok": False, "c": c_loads(data)})
print(json.dumps(out))
`;

/** Loads each pickle with CPython's two unpicklers, with nothing imported or called. */
export async function cpythonLoads(pickles: Uint8Array[]): Promise<CPythonLoad[]> {
  const input = pickles.map((p) => Buffer.from(p).toString("base64")).join("\n");
  const { stdout } = await execa("python3", ["-c", `${PRELUDE}\n${LOADS}`], { input: `${input}\n` });
  return JSON.parse(stdout) as CPythonLoad[];
}

/** Runs a Python snippet and returns what it prints. */
export async function python(code: string): Promise<string> {
  const { stdout } = await execa("python3", ["-"], { input: code });
  return stdout;
}
