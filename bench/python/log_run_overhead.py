"""log-run's recorder against a plain forward, on any device, with only torch (no Node, no checkpoint): the
check for the GPU goal (hooked bfloat16 forward <= 1.5x a plain one in time, <= 1.2x in peak device memory).

Builds an anemoi-shaped attention model (encoder Linear, blocks of LayerNorm + windowed
scaled_dot_product_attention + GELU MLP, decoder Linear) with random weights, runs the plain forward and the
forward with log_run.py's Recorder hooked on every module (including its one transfer to the host at the end),
synchronising the device before each clock reading, and prints one JSON line per configuration.

  python3 bench/python/log_run_overhead.py --device cuda --dtype bfloat16 --tokens 131072 --width 1024 --blocks 6
  python3 bench/python/log_run_overhead.py --device cpu --dtype float32 --tokens 8192 --width 128 --blocks 4

--log-run PATH times another version of the recorder, e.g. the one before this rework:
  git show fb70727:tooling/python/log_run.py > /tmp/log_run_before.py
  python3 bench/python/log_run_overhead.py --device cuda --log-run /tmp/log_run_before.py
"""
import argparse
import importlib.util
import json
import os
import time

import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class Attention(torch.nn.Module):
    def __init__(self, width, heads, window):
        super().__init__()
        self.heads, self.window = heads, window
        self.qkv = torch.nn.Linear(width, 3 * width)
        self.proj = torch.nn.Linear(width, width)

    def forward(self, x):
        b, n, c = x.shape
        w = self.window
        q, k, v = self.qkv(x).reshape(b * n // w, w, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        if hasattr(torch.nn.functional, "scaled_dot_product_attention"):
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        else:  # torch < 2.0
            y = torch.softmax(q @ k.transpose(-2, -1) / (q.shape[-1] ** 0.5), dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, n, c))


class Block(torch.nn.Module):
    def __init__(self, width, heads, window):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(width)
        self.attn = Attention(width, heads, window)
        self.norm2 = torch.nn.LayerNorm(width)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 4 * width), torch.nn.GELU(), torch.nn.Linear(4 * width, width))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Model(torch.nn.Module):
    def __init__(self, variables, width, blocks, heads, window):
        super().__init__()
        self.encoder = torch.nn.Linear(variables, width)
        self.blocks = torch.nn.ModuleList([Block(width, heads, window) for _ in range(blocks)])
        self.decoder = torch.nn.Linear(width, variables)

    def forward(self, x):
        x = self.encoder(x)
        for block in self.blocks:
            x = block(x)
        return self.decoder(x)


def load_recorder(path):
    spec = importlib.util.spec_from_file_location("log_run_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Recorder


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="bfloat16", choices=sorted(DTYPES))
    parser.add_argument("--tokens", type=int, default=131072, help="grid points (sequence length)")
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--window", type=int, default=512)
    parser.add_argument("--variables", type=int, default=100)
    parser.add_argument("--samples", type=int, default=1024, help="elements sampled per tensor (log-run --samples)")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--log-run", default=os.path.join(here, "..", "..", "tooling", "python", "log_run.py"), help="the log_run.py whose Recorder is timed")
    args = parser.parse_args()

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    dtype = DTYPES[args.dtype]
    torch.manual_seed(0)
    model = Model(args.variables, args.width, args.blocks, args.heads, args.window).to(device=device, dtype=dtype).eval()
    x = torch.randn(1, args.tokens, args.variables, device=device, dtype=dtype)
    Recorder = load_recorder(args.log_run)

    def clock():
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def run(recorder):
        """Best time and peak device memory (above what was allocated before) of `repeats` forwards."""
        best, peak = float("inf"), 0
        for _ in range(args.repeats):
            if recorder is not None:
                # A fresh recorder per forward, as log-run has: nothing carried over between repeats.
                recorder = Recorder(args.samples)
                handles = [m.register_forward_hook(recorder.hook(name)) for name, m in model.named_modules()]
            if cuda:
                torch.cuda.reset_peak_memory_stats()
                base = torch.cuda.memory_allocated()
            started = clock()
            with torch.no_grad():
                model(x)
            if recorder is not None:
                # The new recorder moves everything to the host once, here; the old one kept bytes on the host.
                if hasattr(recorder, "finish"):
                    recorder.finish()
            best = min(best, clock() - started)
            if cuda:
                peak = max(peak, torch.cuda.max_memory_allocated() - base)
            if recorder is not None:
                for h in handles:
                    h.remove()
        return best, peak, recorder

    run(None)  # warm-up: kernels chosen, allocator filled
    plain, plain_peak, _ = run(None)
    hooked, hooked_peak, recorder = run(True)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "torch": torch.__version__,
        "dtype": args.dtype,
        "parameters": params,
        "tokens": args.tokens,
        "modulesRecorded": len(recorder.modules),
        "plainSeconds": plain,
        "hookedSeconds": hooked,
        "timeRatio": hooked / plain,
        "plainPeakBytes": plain_peak if cuda else None,
        "hookedPeakBytes": hooked_peak if cuda else None,
        "memoryRatio": hooked_peak / plain_peak if cuda and plain_peak else None,
        "recorder": os.path.abspath(args.log_run),
    }))


if __name__ == "__main__":
    main()
