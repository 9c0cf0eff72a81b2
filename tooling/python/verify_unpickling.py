"""Runs inside a fresh environment made by `verify-unpickling`: loads a checkpoint with torch and answers
with one JSON document on stdout. The caller runs it in its own process group under a time and memory
limit; it never runs in the registry's own process.

Usage: python verify_unpickling.py SPEC.json RESULT.json
SPEC: {checkpoint, allowlist}. The checkpoint is unpickled through guarded_unpickler (the reviewed list), so a
global or call off the list is refused while loading ("refused-unsafe"), whatever the static scan said. The
result goes to a file, not stdout, since the checkpoint's own code may print anything.
"""
import importlib.metadata
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
    }
    if torch is not None:
        info["torch"] = torch.__version__
        info["cudaAvailable"] = bool(torch.cuda.is_available())
        info["cudaVersion"] = torch.version.cuda
        mps = getattr(getattr(torch, "backends", None), "mps", None)
        info["mpsAvailable"] = bool(mps is not None and mps.is_available())
        if info["cudaAvailable"]:
            info["accelerator"] = torch.cuda.get_device_name(0)
    return info


def installed():
    packages = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[name] = dist.version
    return dict(sorted(packages.items(), key=lambda kv: kv[0].lower()))


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


def main():
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    path = spec["checkpoint"]
    result = {"script": "verify_unpickling", "version": 1}
    started = time.monotonic()
    try:
        import torch
    except ModuleNotFoundError as error:
        result.update(status="missing-module", missingModule=error.name, error=describe(error))
        result["environment"] = fingerprint(None)
        result["installed"] = installed()
        return result
    result["importSeconds"] = time.monotonic() - started
    supports_weights_only = "weights_only" in torch.load.__code__.co_varnames
    from guarded_unpickler import guard_torch_load

    guard_torch_load(torch, spec["allowlist"])
    full = attempt(lambda: torch.load(path, map_location="cpu", weights_only=False))
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
    result["status"] = status
    result["load"] = full
    # weights_only=True never runs code from the file: safe to try whatever the first attempt gave.
    if supports_weights_only:
        result["weightsOnly"] = attempt(lambda: torch.load(path, map_location="cpu", weights_only=True))
    result["environment"] = fingerprint(torch)
    result["installed"] = installed()
    return result


if __name__ == "__main__":
    from registry_result import finish

    finish(main(), sys.argv[2])
