"""The machine a checkpoint would run on, in the registry's terms. Detection is separate from the Host value
so that compatibility can be computed for any host (and tested without one)."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Host:
    """os: "linux", "macos" or another lowercase name; arch: "x86_64" or "aarch64" (Apple silicon included);
    python: "3.12"; gpu_memory_mib: the largest GPU's memory (on macOS the unified memory), 0 for no GPU,
    None when unknown."""

    os: str | None = None
    arch: str | None = None
    python: str | None = None
    gpu_memory_mib: int | None = None

    @classmethod
    def detect(cls, timeout: float = 10.0) -> "Host":
        os_name = {"Linux": "linux", "Darwin": "macos"}.get(platform.system(), platform.system().lower() or None)
        machine = platform.machine().lower()
        arch = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}.get(machine, machine or None)
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        gpu = _apple_unified_memory_mib(timeout) if os_name == "macos" else _nvidia_memory_mib(timeout)
        return cls(os=os_name, arch=arch, python=python, gpu_memory_mib=gpu)


def _run(argv: list[str], timeout: float) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _nvidia_memory_mib(timeout: float) -> int | None:
    """The largest GPU's total memory; 0 when nvidia-smi is absent or lists no GPU (FIAB reads it the same way)."""
    out = _run(["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"], timeout)
    if out is None:
        return 0
    sizes = [int(line.strip()) for line in out.splitlines() if line.strip().isdigit()]
    return max(sizes) if sizes else 0


def _apple_unified_memory_mib(timeout: float) -> int | None:
    out = _run(["sysctl", "-n", "hw.memsize"], timeout)
    return int(out.strip()) // (1024 * 1024) if out and out.strip().isdigit() else None
