"""Runs inside a fresh environment made by `verify-unpickling`, as a child of tooling/python/harness.py, one
step per process so that what comes before the checkpoint's code cannot be touched by it:

  probe         imports torch and reports its version and the accelerators; then, with SPEC's weightsOnly, in a
                forked child (so that a crash there costs only that answer), torch.load(weights_only=True):
                torch's restricted unpickler, which runs no code from the file ("weights-only" runs that alone)
  load          torch.load(weights_only=False) through guarded_unpickler (the reviewed list): a global or call
                off the list is refused while loading ("refused-unsafe"), whatever the static scan said

Usage: python verify_unpickling.py STEP SPEC.json    SPEC: {checkpoint, allowlist, weightsOnly?}
(log-run runs the probe too, without weightsOnly.)
The answer goes to the harness's message pipe (registry_result.finish); the checkpoint's own code may print
anything on stdout, which the harness keeps only as its output.
"""
import json
import platform
import sys
import time
import traceback


def fingerprint(torch):
    info = {
        "os": sys.platform,
        "arch": platform.machine(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "torch": torch.__version__,
        "cudaAvailable": bool(torch.cuda.is_available()),
        "cudaVersion": torch.version.cuda,
    }
    mps = getattr(getattr(torch, "backends", None), "mps", None)
    info["mpsAvailable"] = bool(mps is not None and mps.is_available())
    if info["cudaAvailable"]:
        info["accelerator"] = torch.cuda.get_device_name(0)
    return info


def describe(error):
    return {"type": type(error).__module__ + "." + type(error).__qualname__, "message": str(error)[:4000]}


def attempt(load):
    from guarded_unpickler import Refused

    started = time.monotonic()
    try:
        load()
        return {"ok": True, "seconds": time.monotonic() - started}
    except Refused as error:
        return {"ok": False, "refused": True, "error": describe(error), "seconds": time.monotonic() - started}
    except ModuleNotFoundError as error:
        return {"ok": False, "missingModule": error.name, "error": describe(error), "seconds": time.monotonic() - started}
    except MemoryError as error:
        return {"ok": False, "outOfMemory": True, "error": describe(error), "seconds": time.monotonic() - started}
    except Exception as error:  # the checkpoint's own code may raise anything
        return {"ok": False, "error": describe(error), "traceback": traceback.format_exc()[-4000:], "seconds": time.monotonic() - started}


def probe(spec):
    import torch

    answer = {"step": "probe", "environment": fingerprint(torch)}
    if spec.get("weightsOnly"):
        answer["weightsOnly"] = in_child(lambda: weights_only(spec))
    return answer


def weights_only(spec):
    import torch

    if "weights_only" not in torch.load.__code__.co_varnames:
        return {"step": "weights-only", "supported": False}
    return {"step": "weights-only", "supported": True, "load": attempt(lambda: torch.load(spec["checkpoint"], map_location="cpu", weights_only=True))}


def in_child(work, limit=1 << 20):
    """`work()` in a forked child, torch already imported: its answer, or how the child ended without one."""
    import os

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            data = json.dumps(work()).encode()
        except BaseException as error:  # noqa: BLE001 - whatever happened is the answer
            data = json.dumps({"error": describe(error)}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        os._exit(0)
    os.close(write_end)
    chunks, size = [], 0
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk or size > limit:
            break
        chunks.append(chunk)
        size += len(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return {"ended": os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status), "signaled": os.WIFSIGNALED(status)}


def load(spec):
    import torch
    from guarded_unpickler import guard_torch_load

    guard_torch_load(torch, spec["allowlist"])
    full = attempt(lambda: torch.load(spec["checkpoint"], map_location="cpu", weights_only=False))
    if full.get("ok"):
        status = "ok"
    elif full.get("refused"):
        status = "refused-unsafe"
    elif full.get("outOfMemory"):
        status = "out-of-memory"
    elif full.get("missingModule"):
        status = "missing-module"
    else:
        status = "unpickle-error"
    return {"step": "load", "status": status, "load": full, "torch": torch.__version__, "python": platform.python_version()}


STEPS = {"probe": probe, "weights-only": weights_only, "load": load}


if __name__ == "__main__":
    from registry_result import finish

    with open(sys.argv[2]) as file:
        finish(STEPS[sys.argv[1]](json.load(file)))
