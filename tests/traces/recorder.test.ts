// log_run.py's Recorder with Debian's torch: the accelerator's path (statistics left in a device buffer until
// the end) gives the same trace as reading them at once, NaN included, and no recorded tensor outlives its use.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, tempDir } from "../support/helpers.ts";
import { torchUnavailable } from "../support/python-fixtures.ts";

const unavailable = await torchUnavailable();
if (unavailable && process.env.CI) throw new Error(`CI must run the torch tests: ${unavailable}`);
if (unavailable) console.warn(`skipping recorder tests: ${unavailable}`);

const script = String.raw`
import gc, json, sys, weakref
sys.path.insert(0, sys.argv[1])
import torch
from log_run import Recorder

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(7, 33), torch.nn.GELU(), torch.nn.LayerNorm(33), torch.nn.Linear(33, 5)).to(torch.float32)
watched = []
def nan_in_gelu(module, args, output):
    output.view(-1)[3] = float("nan")
model[1].register_forward_hook(nan_in_gelu)

def trace(dtype, host_reads):
    m = model.to(dtype)
    recorder = Recorder(64, host_reads=host_reads)
    handles = [mod.register_forward_hook(recorder.hook(name)) for name, mod in m.named_modules()]
    watch = m[2].register_forward_hook(lambda mod, args, out: watched.append(weakref.ref(out)))
    with torch.no_grad():
        m(torch.randn(3, 50, 7, generator=torch.Generator().manual_seed(1)).to(dtype))
    gc.collect()
    alive = watched.pop()() is not None
    for h in handles + [watch]:
        h.remove()
    recorder.finish()
    return {"modules": recorder.modules, "samples": recorder.samples.hex(), "alive": alive}

out = {}
for dtype in (torch.float64, torch.float32, torch.bfloat16):
    out[str(dtype)] = [trace(dtype, True), trace(dtype, False)]
print(json.dumps(out))
`;
import { runTorchPython } from "../support/torch-python.ts";

describe.skipIf(unavailable)("log_run.py Recorder", () => {
  it("the device-buffer path and the host path record the same trace, and release every activation", async () => {
    const dir = await tempDir();
    const run = await runTorchPython(["-c", script, join(repoRoot, "tooling", "python")], { cwd: dir, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    const traces = JSON.parse(run.stdout);
    for (const [dtype, [host, device]] of Object.entries<any>(traces)) {
      expect(device.modules, dtype).toEqual(host.modules);
      expect(device.samples, dtype).toBe(host.samples);
      expect(host.modules.map((m: any) => m.name)).toEqual(["0", "1", "2", "3", "(model)"]);
      // The GELU output holds the NaN: counts only; the LayerNorm after it spreads NaN over its row.
      expect(host.modules[1].outputs[0].stats).toMatchObject({ numel: 3 * 50 * 33, nan: 1, inf: 0, min: null, mean: null });
      expect(host.modules[0].outputs[0].stats).toMatchObject({ numel: 3 * 50 * 33, nan: 0, min: expect.any(Number), l2: expect.any(Number) });
      expect(host.modules[0].outputs[0].sample).toEqual({ file: "samples.f64", offset: 64, count: 64 });
      // The LayerNorm's output is gone once the forward pass returned: the recorder held no reference to it.
      expect(host.alive || device.alive, dtype).toBe(false);
    }
  });
});
