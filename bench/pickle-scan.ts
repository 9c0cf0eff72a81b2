// `node bench/pickle-scan.ts [--mb 64] [--runs 5]`: throughput of the static pickle scan (target
// 50 MB/s) on large realistic data.pkl streams of many small opcodes:
// - the real AIFS data.pkl (tests/fixtures/anemoi) repeated inside one list: its own opcode mix,
//   memo traffic and tensor references, scaled up (memo keys are reused by each copy, as CPython allows);
// - python3-generated torch.save-like pickles (protocol 2, and protocol 4 with frames and MEMOIZE):
//   nested modules with OrderedDicts of tensors rebuilt by torch._utils._rebuild_tensor_v2 from
//   persistent storage ids. Stand-in torch modules: nothing needs torch. Cached in bench/.work/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { scanPickle } from "../tooling/pickle/scan.ts";
import { aifsDataPickle } from "../tests/support/aifs-pickle.ts";
import { median } from "./measure.ts";

const TARGET_MB_PER_S = 50;
const MB = 1e6;

const { values } = parseArgs({ options: { mb: { type: "string", default: "64" }, runs: { type: "string", default: "5" } } });
const sizeMb = Number(values.mb);
const runs = Number(values.runs);
const work = resolve(import.meta.dirname, ".work/pickle-scan");

/** PROTO 2, EMPTY_LIST, MARK, copies of the pickle's body (no PROTO, no STOP), APPENDS, STOP. */
function repeatedAifs(targetBytes: number): Uint8Array {
  const one = aifsDataPickle();
  const body = one.subarray(2, one.length - 1);
  const copies = Math.max(1, Math.round(targetBytes / body.length));
  const out = new Uint8Array(4 + copies * body.length + 2);
  out.set([0x80, 0x02, 0x5d, 0x28]);
  for (let i = 0; i < copies; i++) out.set(body, 4 + i * body.length);
  out.set([0x65, 0x2e], 4 + copies * body.length);
  return out;
}

const GENERATOR = String.raw`
import collections, pickle, sys, types
out, protocol, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
sys.modules.update({"torch": torch, "torch._utils": utils})
def _rebuild_tensor_v2(*args): pass
_rebuild_tensor_v2.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2
class FloatStorage: pass
FloatStorage.__module__ = "torch"; torch.FloatStorage = FloatStorage
class Tensor:
    def __init__(self, key, shape): self.key, self.shape = key, shape
    def __reduce__(self):
        stride = tuple(1 for _ in self.shape)
        return (_rebuild_tensor_v2, (Storage(self.key), 0, self.shape, stride, False, collections.OrderedDict()))
class Storage:
    def __init__(self, key): self.key = key
class Module:
    def __init__(self, i, depth):
        self.training = True
        self._parameters = collections.OrderedDict(weight=Tensor(str(2 * i), (512, 512)), bias=Tensor(str(2 * i + 1), (512,)))
        self._buffers = collections.OrderedDict()
        self._modules = collections.OrderedDict((f"layer{j}", Module(i * 4 + j, depth - 1)) for j in range(3)) if depth else collections.OrderedDict()
        self.config = {"name": f"block_{i}", "heads": 16, "dropout": 0.1, "activation": "gelu", "window": [1, 2, 3]}
class Saver(pickle.Pickler):
    def persistent_id(self, obj):
        return ("storage", FloatStorage, obj.key, "cpu", 1024) if isinstance(obj, Storage) else None
one = len(pickle.dumps([Module(0, 4)], protocol=protocol))
models = [Module(i, 4) for i in range(max(1, target // one))]
with open(out, "wb") as f:
    Saver(f, protocol=protocol).dump(models)
`;

function generated(protocol: number, targetBytes: number): Uint8Array {
  mkdirSync(work, { recursive: true });
  const path = resolve(work, `torch-like-p${protocol}-${sizeMb}mb.pkl`);
  if (!existsSync(path)) execFileSync("python3", ["-c", GENERATOR, path, String(protocol), String(targetBytes)], { stdio: "inherit" });
  return readFileSync(path);
}

function measure(name: string, bytes: Uint8Array): void {
  const first = scanPickle(bytes); // also warms the JIT
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    scanPickle(bytes);
    seconds.push((performance.now() - started) / 1000);
  }
  const mid = median(seconds);
  const rate = bytes.length / MB / mid;
  const cells = [
    name.padEnd(34),
    `${(bytes.length / MB).toFixed(1)} MB`.padStart(9),
    `${(first.opcodes / 1e6).toFixed(1)} M ops`.padStart(11),
    `${mid.toFixed(3)} s`.padStart(9),
    `${rate.toFixed(0)} MB/s`.padStart(10),
    `${(first.opcodes / mid / 1e6).toFixed(0)} M ops/s`.padStart(12),
    rate >= TARGET_MB_PER_S ? "meets target" : "BELOW TARGET",
  ];
  console.log(cells.join("  "));
}

console.log(
  `pickle scan throughput, median of ${runs} runs, target ${TARGET_MB_PER_S} MB/s; Node ${process.version}, ${cpus()[0]?.model.trim() ?? "unknown CPU"}`,
);
measure("AIFS data.pkl repeated (protocol 2)", repeatedAifs(sizeMb * MB));
measure("torch-like, protocol 2", generated(2, sizeMb * MB));
measure("torch-like, protocol 4 (frames)", generated(4, sizeMb * MB));
