"""Runs inside an environment made by `log-run`: loads a checkpoint, feeds it deterministic dummy input, and
records every module's output (statistics and a fixed sample of elements) in call order, plus the final
outputs whole. Writes a trace folder: index.json and little-endian float64 files (see docs/traces.md).

Usage: python log_run.py SPEC.json RESULT.json
SPEC: {checkpoint, allowlist, out, device, dtype, seed, steps, sampleCount, inputs: [{name, shape}], benchmark?}
"""
import json
import os
import platform
import resource
import sys
import time

import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class Recorder:
    """Collects tensors as float64 into one sample file and one outputs file, remembering offsets."""

    def __init__(self, sample_count):
        self.sample_count = sample_count
        self.samples = bytearray()
        self.sample_values = 0
        self.modules = []
        self.step = 0
        self.seen = {}
        # Tensors recorded in this step stay referenced, so their memory (the cache key) is not reused.
        self.alive = []

    def stats(self, t):
        """Summary statistics in four passes without copying the tensor: hooks must stay cheap next to the
        forward pass itself. Sums accumulate in float64; NaN and Inf are counted only when present."""
        n = t.numel()
        if n == 0:
            return {"numel": 0, "min": None, "max": None, "mean": None, "std": None, "l2": None, "nan": 0, "inf": 0}
        if not bool(torch.isfinite(t).all()):
            nan = int(torch.isnan(t).sum())
            inf = int(torch.isinf(t).sum())
            t = t[torch.isfinite(t)]
            n_finite = t.numel()
        else:
            nan = inf = 0
            n_finite = n
        if n_finite == 0:
            return {"numel": n, "min": None, "max": None, "mean": None, "std": None, "l2": None, "nan": nan, "inf": inf}
        low, high = torch.aminmax(t)
        total = float(torch.sum(t, dtype=torch.float64))
        l2 = float(torch.linalg.vector_norm(t, dtype=torch.float64))
        mean = total / n_finite
        variance = max(l2 * l2 / n_finite - mean * mean, 0.0)
        return {"numel": n, "min": float(low), "max": float(high), "mean": mean, "std": variance ** 0.5, "l2": l2, "nan": nan, "inf": inf}

    def describe(self, tensor):
        key = (tensor.data_ptr(), tuple(tensor.shape), tensor.dtype)
        if key in self.seen:
            return self.seen[key]
        t = tensor.detach()
        flat = t.reshape(-1)
        n = flat.numel()
        count = min(n, self.sample_count)
        positions = (torch.arange(count, dtype=torch.float64) * n / count).floor().long().to(flat.device) if count else None
        values = flat[positions].to("cpu", torch.float64) if count else flat[:0].to("cpu", torch.float64)
        offset = self.sample_values
        self.samples += values.numpy().astype("<f8").tobytes()
        self.sample_values += count
        record = {
            "shape": list(tensor.shape),
            "dtype": str(tensor.dtype).replace("torch.", ""),
            "stats": self.stats(flat),
            "sample": {"file": "samples.f64", "offset": offset, "count": count},
        }
        # A module's input is usually the previous module's output: record each tensor once per call.
        self.seen[key] = record
        self.alive.append(tensor)
        return record

    def hook(self, name):
        def record(module, args, output):
            inputs = [a for a in args if torch.is_tensor(a)][:1]
            outputs = [o for o in (output if isinstance(output, (tuple, list)) else [output]) if torch.is_tensor(o)]
            self.modules.append(
                {
                    "index": len(self.modules),
                    "name": name or "(model)",
                    "type": type(module).__module__ + "." + type(module).__qualname__,
                    "step": self.step,
                    "inputs": [self.describe(t) for t in inputs],
                    "outputs": [self.describe(t) for t in outputs],
                }
            )

        return record


def environment(device):
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "os": sys.platform,
        "arch": platform.machine(),
        "cpu": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "deterministicAlgorithms": torch.are_deterministic_algorithms_enabled(),
        "cudaAvailable": torch.cuda.is_available(),
        "mpsAvailable": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()),
    }
    if torch.cuda.is_available():
        info["cuda"] = torch.version.cuda
        info["cudnn"] = torch.backends.cudnn.version()
        info["tf32Matmul"] = torch.backends.cuda.matmul.allow_tf32
        info["tf32Cudnn"] = torch.backends.cudnn.allow_tf32
        if device.startswith("cuda"):
            info["accelerator"] = torch.cuda.get_device_name(0)
    return info


def make_inputs(spec):
    generator = torch.Generator(device="cpu").manual_seed(spec["seed"])
    tensors = [torch.randn(t["shape"], generator=generator, dtype=torch.float64) for t in spec["inputs"]]
    import hashlib

    digest = hashlib.sha256()
    for t in tensors:
        digest.update(t.numpy().astype("<f8").tobytes())
    return tensors, digest.hexdigest()


def drive(model, x):
    if hasattr(model, "predict_step"):
        return "predict_step", model.predict_step(x)
    return "forward", model(x)


def anemoi_inference_available():
    try:
        import anemoi.inference.runners.simple  # noqa: F401
    except Exception:
        return False
    return True


def run_with_anemoi_inference(spec, recorder):
    """anemoi-inference's NumPy-to-NumPy API: a SimpleRunner on the checkpoint, an initial state of dummy
    fields (input steps x grid points, float64 from the seed), hooks on the runner's model. The runner applies
    its own precision and computes the computed forcings itself. Returns the outputs and the input digest."""
    import datetime
    import hashlib

    import numpy as np
    from anemoi.inference.runners.simple import SimpleRunner

    generator = torch.Generator(device="cpu").manual_seed(spec["seed"])
    steps, points = spec["inputs"][0]["shape"][1], spec["inputs"][0]["shape"][3]
    fields = {name: torch.randn((steps, points), generator=generator, dtype=torch.float64).numpy() for name in spec["fieldNames"]}
    digest = hashlib.sha256(b"anemoi-inference state\n")  # never equal to a direct-path input
    for name in spec["fieldNames"]:
        digest.update(fields[name].astype("<f8").tobytes())
    runner = SimpleRunner(spec["checkpoint"], device=spec["device"])
    handles = [module.register_forward_hook(recorder.hook(name)) for name, module in runner.model.named_modules()]
    state = {
        "date": datetime.datetime(2020, 1, 1),
        "latitudes": getattr(runner.checkpoint, "latitudes", None),
        "longitudes": getattr(runner.checkpoint, "longitudes", None),
        "fields": fields,
    }
    outputs = []
    for step, result in enumerate(runner.run(input_state=state, lead_time=spec["steps"] * spec["timestepHours"])):
        recorder.step = step
        recorder.seen.clear()
        recorder.alive.clear()
        names = sorted(result["fields"])
        outputs.append(torch.from_numpy(np.stack([np.asarray(result["fields"][n], dtype=np.float64) for n in names])))
    for handle in handles:
        handle.remove()
    return outputs, digest.hexdigest()


def load_model(spec):
    # torch.load is guarded (main): the checkpoint unpickles through the reviewed list.
    model = torch.load(spec["checkpoint"], map_location="cpu", weights_only=False)
    if not isinstance(model, torch.nn.Module):
        raise SystemExit("the checkpoint holds a %s, not a torch.nn.Module: log-run needs a model" % type(model).__name__)
    return model.to(device=spec["device"], dtype=DTYPES[spec["dtype"]]).eval()


def main():
    spec = json.load(open(sys.argv[1]))
    from guarded_unpickler import guard_torch_load

    # Every torch.load of this process, anemoi-inference's included, goes through the reviewed list.
    guard_torch_load(torch, spec["allowlist"])
    device = spec["device"]
    dtype = DTYPES[spec["dtype"]]
    torch.manual_seed(spec["seed"])
    timings = {}
    notes = {}
    via = spec.get("via", "auto")
    if via == "anemoi-inference" and not anemoi_inference_available():
        raise SystemExit("--via anemoi-inference: anemoi-inference is not installed in the environment")
    if via != "direct" and not spec.get("benchmark") and spec.get("fieldNames") and anemoi_inference_available():
        recorder = Recorder(spec["sampleCount"])
        started = time.monotonic()
        try:
            outputs, digest = run_with_anemoi_inference(spec, recorder)
            timings["forward"] = time.monotonic() - started
            return finish_trace(spec, "anemoi-inference", outputs, recorder, digest, timings, notes)
        except Exception as error:  # the direct path still gives a trace; say why it was taken
            if via == "anemoi-inference":
                raise
            notes["anemoiInference"] = "failed, the model was called directly: %s: %s" % (type(error).__name__, str(error)[:500])

    started = time.monotonic()
    model = load_model(spec)
    timings["load"] = time.monotonic() - started
    inputs, input_digest = make_inputs(spec)
    x = inputs[0].to(dtype).to(device)
    if spec.get("benchmark"):
        return benchmark(model, x, spec)

    recorder = Recorder(spec["sampleCount"])
    handles = [module.register_forward_hook(recorder.hook(name)) for name, module in model.named_modules()]
    outputs = []
    started = time.monotonic()
    with torch.no_grad():
        for step in range(spec["steps"]):
            recorder.step = step
            recorder.seen.clear()
            recorder.alive.clear()
            path, y = drive(model, x)
            outputs.append(y)
            if step + 1 < spec["steps"]:
                if y.shape != x[:, -1].shape:
                    raise SystemExit("cannot roll out: the output %s does not fit an input step %s" % (list(y.shape), list(x[:, -1].shape)))
                x = torch.cat([x[:, 1:], y.unsqueeze(1)], dim=1)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    timings["forward"] = time.monotonic() - started
    for handle in handles:
        handle.remove()
    return finish_trace(spec, path, outputs, recorder, input_digest, timings, notes)


def finish_trace(spec, path, outputs, recorder, input_digest, timings, notes):
    device = spec["device"]
    os.makedirs(spec["out"], exist_ok=True)
    final = bytearray()
    final_records = []
    for step, y in enumerate(outputs):
        values = y.detach().to("cpu", torch.float64).reshape(-1)
        final_records.append({"name": "step %d" % step, "shape": list(y.shape), "dtype": str(y.dtype).replace("torch.", ""), "values": {"file": "outputs.f64", "offset": len(final) // 8, "count": values.numel()}})
        final += values.numpy().astype("<f8").tobytes()
    with open(os.path.join(spec["out"], "samples.f64"), "wb") as f:
        f.write(recorder.samples)
    with open(os.path.join(spec["out"], "outputs.f64"), "wb") as f:
        f.write(final)
    peak = {"hostMaxRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    if device.startswith("cuda"):
        peak["cudaMaxAllocated"] = torch.cuda.max_memory_allocated()
    return {
        "path": path,
        "inputSha256": input_digest,
        "environment": {**environment(device), **notes},
        "timingsSeconds": timings,
        "peakMemoryBytes": peak,
        "modules": recorder.modules,
        "finalOutputs": final_records,
    }


def benchmark(model, x, spec):
    """Time a plain forward against one with the recording hooks, for `npm run bench`."""
    def timed(repeats, recorder=None):
        best = float("inf")
        for _ in range(repeats):
            if recorder is not None:
                recorder.seen.clear()
                recorder.alive.clear()
                recorder.samples = bytearray()
            started = time.perf_counter()
            with torch.no_grad():
                drive(model, x)
            best = min(best, time.perf_counter() - started)
        return best

    timed(3)
    plain = timed(spec["benchmark"])
    recorder = Recorder(spec["sampleCount"])
    handles = [module.register_forward_hook(recorder.hook(name)) for name, module in model.named_modules()]
    hooked = timed(spec["benchmark"], recorder)
    for handle in handles:
        handle.remove()
    return {"plainSeconds": plain, "hookedSeconds": hooked, "modules": len(recorder.modules) // (spec["benchmark"])}


if __name__ == "__main__":
    from registry_result import finish

    finish(main(), sys.argv[2])
