"""Runs inside an environment made by `log-run`: loads a checkpoint, feeds it deterministic dummy input, and
records every module's output (statistics and a fixed sample of elements) in call order, plus the final
outputs whole. Writes a trace folder: index.json and little-endian float64 files (see docs/traces.md).

Usage: python log_run.py SPEC.json [RESULT.json]
SPEC: {checkpoint, allowlist, out, device, dtype, seed, steps, sampleCount, finalSampleCount?, inputs: [{name, shape}], benchmark?}
Run by the registry, it is a step of tooling/python/harness.py: `out` is a folder of the sandbox's scratch,
which the harness copies out, and the answer goes to the harness's message pipe; RESULT.json is for running
it by hand (the benchmarks).
"""
import json
import math
import os
import platform
import resource
import sys
import time
import weakref

import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class Recorder:
    """Records every hooked module's first input and its tensor outputs without synchronising the device.

    Statistics and samples are computed where the tensor lives, into preallocated float64 buffers on that
    device; nothing crosses to the host until finish(), in one transfer per buffer chunk. A hook keeps no
    reference to what it recorded, so the memory of each activation is reused as in a plain forward."""

    SAMPLE_CHUNK = 1 << 20  # float64 values per sample buffer chunk (8 MiB)
    STAT_CHUNK = 4096  # tensor records per statistics buffer chunk
    # min, max, sum, L2 norm, NaN count, Inf count
    STATS = 6

    def __init__(self, sample_count, host_reads=None):
        self.sample_count = sample_count
        # Read statistics on the host at once (free on the CPU) or leave them in the device buffer until
        # finish(); None: by the tensor's device. Tests force False to run the accelerator's path on the CPU.
        self.host_reads = host_reads
        self.modules = []
        self.step = 0
        # (data pointer, shape, dtype) -> (weak reference to the tensor, record): a tensor that is both a
        # module's output and the next module's input is recorded once, and only while it is still alive.
        self.seen = {}
        self.numerics = None
        self.positions = {}
        self.sample_chunks = []  # [buffer, values used]
        self.stat_chunks = []
        self.pending = []  # (record, numel, (chunk, row) of its statistics)
        self.sample_values = 0
        self.samples = b""
        self._sample_at = 0
        self._stat_at = 0

    def reset(self):
        """Forget what was recorded but keep the buffers (benchmark repeats)."""
        self.modules = []
        self.seen.clear()
        self.pending = []
        self.sample_values = 0
        for chunk in self.sample_chunks + self.stat_chunks:
            chunk[1] = 0
        self._sample_at = 0
        self._stat_at = 0

    def _slot(self, chunks, cursor, size, make, device):
        """The next `size` entries of a chunked device buffer: (chunk index, start). Chunks fill in order; after
        reset() they are reused from the first."""
        at = getattr(self, cursor)
        if at < len(chunks):
            buffer, used = chunks[at]
            if buffer.device == device and buffer.shape[0] - used >= size:
                chunks[at][1] = used + size
                return at, used
            at += 1
        if not (at < len(chunks) and chunks[at][1] == 0 and chunks[at][0].device == device and chunks[at][0].shape[0] >= size):
            chunks.insert(at, [make(size, device), 0])
        chunks[at][1] = size
        setattr(self, cursor, at)
        return at, 0

    def _positions(self, n, count, device):
        """floor(i * n / count) for i < count, made once per size on the tensor's device."""
        key = (n, count, device)
        if key not in self.positions:
            self.positions[key] = (torch.arange(count, dtype=torch.float64, device=device) * n / count).floor().long()
        return self.positions[key]

    def _stats(self, flat):
        """min, max, sum, L2 norm, NaN and Inf counts. Float64 and float32 tensors accumulate in float64 (as
        before); 16-bit ones in float32, which CUDA reduces without a float64 copy of the tensor. On an
        accelerator the values go to a row of the device buffer, never read here; on the CPU, where reading a
        value costs no synchronisation, they are read at once and the counts are made only when the sum is
        not finite."""
        if flat.dtype == torch.float64 or flat.dtype == torch.float32 or not flat.dtype.is_floating_point:
            x = flat.to(torch.float64)
        else:
            x = flat
        accumulate = torch.float64 if x.dtype == torch.float64 else torch.float32
        low, high = torch.aminmax(flat)
        total = torch.sum(x, dtype=accumulate)
        l2 = torch.linalg.vector_norm(x, dtype=accumulate)
        if self.host_reads if self.host_reads is not None else flat.device.type == "cpu":
            row = [float(low), float(high), float(total), float(l2), 0, 0]
            if not math.isfinite(row[2]):
                row[4], row[5] = int(torch.isnan(flat).sum()), int(torch.isinf(flat).sum())
            return ("host", row)
        at, index = self._slot(self.stat_chunks, "_stat_at", 1, lambda size, d: torch.empty((self.STAT_CHUNK, self.STATS), dtype=torch.float64, device=d), flat.device)
        values = (low, high, total, l2, torch.isnan(flat).sum(), torch.isinf(flat).sum())
        self.stat_chunks[at][0][index].copy_(torch.stack([v.to(torch.float64) for v in values]))
        return (at, index)

    def describe(self, tensor):
        key = (tensor.data_ptr(), tuple(tensor.shape), tensor.dtype)
        hit = self.seen.get(key)
        if hit is not None and hit[0]() is not None:
            return hit[1]
        flat = tensor.detach().reshape(-1)
        n = flat.numel()
        count = min(n, self.sample_count)
        device = flat.device
        offset = self.sample_values
        if count:
            at, used = self._slot(self.sample_chunks, "_sample_at", count, lambda size, d: torch.empty(max(size, self.SAMPLE_CHUNK), dtype=torch.float64, device=d), device)
            self.sample_chunks[at][0][used:used + count].copy_(flat.index_select(0, self._positions(n, count, device)))
        self.sample_values += count
        record = {
            "shape": list(tensor.shape),
            "dtype": str(tensor.dtype).replace("torch.", ""),
            "stats": None,
            "sample": {"file": "samples.f64", "offset": offset, "count": count},
        }
        slot = self._stats(flat) if n else None
        self.pending.append((record, n, slot))
        self.seen[key] = (weakref.ref(tensor), record)
        return record

    def hook(self, name):
        def record(module, args, output):
            inputs = [a for a in args if torch.is_tensor(a)][:1]
            outputs = [o for o in (output if isinstance(output, (tuple, list)) else [output]) if torch.is_tensor(o)]
            if self.numerics is None and (inputs or outputs):
                # The settings in force during the forward pass (a runner may set autocast around it).
                self.numerics = numerics((inputs or outputs)[0].device)
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

    def finish(self):
        """The one transfer to the host: samples as little-endian float64 bytes, statistics into the records."""
        samples = [buffer[:used].to("cpu") for buffer, used in self.sample_chunks if used]
        self.samples = torch.cat(samples).numpy().astype("<f8").tobytes() if samples else b""
        rows = [buffer[:used].to("cpu").tolist() for buffer, used in self.stat_chunks]
        for record, n, slot in self.pending:
            row = None if slot is None else slot[1] if slot[0] == "host" else rows[slot[0]][slot[1]]
            record["stats"] = summary(n, row)
        self.pending = []


def summary(n, row):
    """The trace's statistics from the device row. When NaN or Inf are present only their counts are given:
    statistics over the finite elements alone would cost the hooks more passes over every tensor."""
    if n == 0 or row is None:
        return {"numel": n, "min": None, "max": None, "mean": None, "std": None, "l2": None, "nan": 0, "inf": 0}
    low, high, total, l2, nan, inf = row
    nan, inf = int(nan), int(inf)
    if nan or inf:
        return {"numel": n, "min": None, "max": None, "mean": None, "std": None, "l2": None, "nan": nan, "inf": inf}
    mean = total / n
    variance = max(l2 * l2 / n - mean * mean, 0.0)
    # A float32 sum of huge 16-bit values can overflow with every element finite: say nothing rather than Inf
    # (which JSON cannot carry).
    finite = lambda v: v if math.isfinite(v) else None  # noqa: E731
    return {"numel": n, "min": low, "max": high, "mean": finite(mean), "std": finite(variance ** 0.5), "l2": finite(l2), "nan": 0, "inf": 0}


def _setting(read):
    """A torch setting, or None where this torch version lacks it (some raise AssertionError, not AttributeError)."""
    try:
        value = read()
    except Exception:
        return None
    return value if isinstance(value, (bool, int, float, str)) or value is None else str(value)


def autocast_state(device_type):
    try:
        enabled, dtype = torch.is_autocast_enabled(device_type), torch.get_autocast_dtype(device_type)
    except Exception:  # torch < 2.4: one query per device type
        if device_type == "cuda":
            enabled, dtype = torch.is_autocast_enabled(), torch.get_autocast_gpu_dtype()
        elif device_type == "cpu":
            enabled, dtype = torch.is_autocast_cpu_enabled(), torch.get_autocast_cpu_dtype()
        else:
            return {"enabled": False, "dtype": None, "device": device_type}
    return {"enabled": bool(enabled), "dtype": str(dtype).replace("torch.", ""), "device": device_type}


def numerics(device):
    """The settings that change results: matmul and convolution precision, autocast, determinism, the
    scaled-dot-product-attention backends allowed, and the device. compare-runs sets its error budget by them."""
    device = torch.device(device)
    cuda = torch.backends.cuda
    info = {
        "float32MatmulPrecision": _setting(torch.get_float32_matmul_precision),
        "tf32Matmul": _setting(lambda: cuda.matmul.allow_tf32),
        "tf32Cudnn": _setting(lambda: torch.backends.cudnn.allow_tf32),
        "bf16ReducedPrecisionReduction": _setting(lambda: cuda.matmul.allow_bf16_reduced_precision_reduction),
        "fp16ReducedPrecisionReduction": _setting(lambda: cuda.matmul.allow_fp16_reduced_precision_reduction),
        "autocast": autocast_state(device.type),
        "deterministicAlgorithms": _setting(torch.are_deterministic_algorithms_enabled),
        "cudnnDeterministic": _setting(lambda: torch.backends.cudnn.deterministic),
        "cudnnBenchmark": _setting(lambda: torch.backends.cudnn.benchmark),
        "sdpa": {
            "flash": _setting(lambda: cuda.flash_sdp_enabled()),
            "memEfficient": _setting(lambda: cuda.mem_efficient_sdp_enabled()),
            "math": _setting(lambda: cuda.math_sdp_enabled()),
            "cudnn": _setting(lambda: cuda.cudnn_sdp_enabled()),
        },
        "device": device.type,
    }
    if device.type == "cuda":
        info["deviceName"] = _setting(lambda: torch.cuda.get_device_name(device))
    elif device.type == "cpu":
        info["deviceName"] = platform.processor() or platform.machine()
    return info


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
    recorder.finish()
    os.makedirs(spec["out"], exist_ok=True)
    final = bytearray()
    final_records = []
    keep = spec.get("finalSampleCount")
    for step, y in enumerate(outputs):
        flat = y.detach().reshape(-1)
        if keep and flat.numel() > keep:
            # The positions of module samples, floor(i * n / count): the same elements on every platform.
            flat = flat[(torch.arange(keep, dtype=torch.float64, device=flat.device) * flat.numel() / keep).floor().long()]
        values = flat.to("cpu", torch.float64)
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
        "environment": {**environment(device), "numerics": recorder.numerics or numerics(device), **notes},
        "timingsSeconds": timings,
        "peakMemoryBytes": peak,
        "modules": recorder.modules,
        "finalOutputs": final_records,
    }


def benchmark(model, x, spec):
    """Time a plain forward against one with the recording hooks (and the recorder's final transfer), for
    `npm run bench`. On CUDA the device is synchronised before each clock reading."""
    cuda = x.device.type == "cuda"

    def clock():
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def timed(repeats, recorder=None):
        best = float("inf")
        for _ in range(repeats):
            if recorder is not None:
                recorder.reset()
            started = clock()
            with torch.no_grad():
                drive(model, x)
            if recorder is not None:
                recorder.finish()
            best = min(best, clock() - started)
        return best

    timed(3)
    plain = timed(spec["benchmark"])
    recorder = Recorder(spec["sampleCount"])
    handles = [module.register_forward_hook(recorder.hook(name)) for name, module in model.named_modules()]
    timed(1, recorder)
    hooked = timed(spec["benchmark"], recorder)
    for handle in handles:
        handle.remove()
    return {"plainSeconds": plain, "hookedSeconds": hooked, "modules": len(recorder.modules)}


if __name__ == "__main__":
    from registry_result import finish

    finish(main(), sys.argv[2] if len(sys.argv) > 2 else None)
