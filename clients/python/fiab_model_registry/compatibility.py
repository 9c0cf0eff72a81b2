"""Whether an entry can run on a host, with each exclusion in words: the registry's "fits my machine" rule
(src/platform/machine-fit.ts, accelerators.ts and wheel-tags.ts), ported line for line so that the catalog,
the TypeScript client and this client give the same answer and the same sentences. Both clients are tested
against one file of cases (tests/fixtures/compatibility-cases.json). Only what is known excludes: a
requirement nobody has stated yet is a caveat, not a reason to hide a model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence
from urllib.parse import unquote

from .entry import NOT_MEASURED, Entry
from .host import Host

KNOWN_ACCELERATORS = ("cuda", "mps", "cpu")
_ACCELERATOR_NAMES = {"cuda": "CUDA", "mps": "MPS", "cpu": "CPU", "rocm": "ROCm"}
_OS_NAMES = {"linux": "Linux", "macos": "macOS"}
_RANK = {"compatible": 0, "degraded": 1, "incompatible": 2}


@dataclass(frozen=True)
class Fit:
    fits: bool
    reasons: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


# --- platform-specific wheels (wheel-tags.ts) ---

_WHEEL_NAME = re.compile(r"^([A-Za-z0-9_.]+)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$")


def _wheel(requirement: str) -> tuple[str, str, list[str], list[str]] | None:
    text = requirement.strip()
    at = text[text.index(" @ ") + 3 :].strip() if " @ " in text else text
    name = unquote(re.split(r"[?#]", at)[0].split("/")[-1])
    m = _WHEEL_NAME.match(name) if name.endswith(".whl") else None
    return (m.group(1), m.group(2), m.group(3).split("."), m.group(5).split(".")) if m else None


def _architecture_of(platform: str) -> str | None:
    if platform == "any" or re.search(r"universal2$", platform):
        return "any"
    if re.search(r"(x86_64|amd64)$", platform):
        return "x86_64"
    if re.search(r"(aarch64|arm64)$", platform):
        return "aarch64"
    return None


def _python_of(tag: str) -> str | None:
    m = re.match(r"^(?:cp|pp)(\d)(\d+)$", tag)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    return "any" if re.match(r"^py\d*$", tag) else None


def _intersect(sets: Iterable[set[str]]) -> list[str] | None:
    result: set[str] | None = None
    for values in sets:
        if "any" in values or not values:
            continue
        result = values if result is None else result & values
    return sorted(result) if result is not None else None


def wheel_restrictions(requirements: Sequence[str]) -> dict:
    wheels = [w for w in (_wheel(r) for r in requirements) if w]
    restricting = [w for w in wheels if any(p != "any" for p in w[3]) or any(_python_of(t) != "any" for t in w[2])]
    architectures = _intersect({a for a in map(_architecture_of, w[3]) if a is not None} for w in restricting)
    pythons = _intersect({v for v in map(_python_of, w[2]) if v is not None} for w in restricting)
    needs_cuda = any(re.search(r"\+cu\d+", w[1]) or re.match(r"^flash_attn$", w[0], re.I) for w in wheels) or any(
        re.match(r"^flash[-_]attn\b", r.strip(), re.I) for r in requirements
    )
    return {"architectures": architectures, "python_versions": pythons, "needs_cuda": bool(needs_cuda)}


# --- accelerators (accelerators.ts) ---


def platform_parts(key: str) -> tuple[str, str | None, str | None]:
    parts = key.split("-")
    return parts[0], (parts[1] if len(parts) > 1 else None), ("-".join(parts[2:]) if len(parts) > 2 else None)


def accelerator_support(supported_os: Sequence[str] | None, needs_cuda: bool, platforms: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """(accelerator, status, platform keys) best first per accelerator; "not-checked" where no evidence covers it."""
    found: dict[str, list] = {}
    for os_name in supported_os or []:
        if os_name == "linux":
            found.setdefault("cuda", ["cuda", "not-checked", []])
        if os_name == "macos" and not needs_cuda:
            found.setdefault("mps", ["mps", "not-checked", []])
        if not needs_cuda and os_name in ("linux", "macos"):
            found.setdefault("cpu", ["cpu", "not-checked", []])
    for key in sorted(platforms):
        status = platforms[key]
        accelerator = platform_parts(key)[2]
        if not accelerator or status not in _RANK:
            continue
        seen = found.get(accelerator)
        if seen is None or seen[1] == "not-checked" or _RANK[status] < _RANK[seen[1]]:
            found[accelerator] = [accelerator, status, [key]]
        elif seen[1] == status:
            seen[2].append(key)

    def order(a: str) -> int:
        return KNOWN_ACCELERATORS.index(a) if a in KNOWN_ACCELERATORS else len(KNOWN_ACCELERATORS)

    return [tuple(v) for v in sorted(found.values(), key=lambda v: (order(v[0]), v[0]))]  # type: ignore[misc]


# --- the fit (machine-fit.ts) ---


def _list_text(values: Sequence[str]) -> str:
    return (values[0] if values else "") if len(values) <= 1 else f"{', '.join(values[:-1])} and {values[-1]}"


def gib_text(mib: int) -> str:
    exact = Decimal(mib) / Decimal(1024)
    if exact == exact.to_integral_value():
        return f"{int(exact)} GiB"
    # JavaScript's toFixed(2) rounds halves up; then one trailing zero goes.
    text = str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return f"{text[:-1] if text.endswith('0') else text} GiB"


def _accelerator_name(a: str) -> str:
    return _ACCELERATOR_NAMES.get(a, a)


def machine_accelerator(host: Host) -> str | None:
    if host.os == "macos":
        return "mps"
    if host.gpu_memory_mib is None:
        return None
    return "cuda" if host.gpu_memory_mib > 0 else "cpu"


def _same_arch(a: str | None, b: str | None) -> bool:
    arm = ("aarch64", "arm64")
    return a is not None and b is not None and (a == b or (a in arm and b in arm))


def fit(entry: Entry, host: Host) -> Fit:
    wheels = wheel_restrictions(entry.pip_constraints)
    architectures = entry.architectures if entry.architectures is not None else wheels["architectures"]
    needs_cuda = wheels["needs_cuda"] or "flash_attn" in entry.pickle_modules
    accelerators = accelerator_support(entry.supported_os, needs_cuda, entry.platforms)
    reasons: list[str] = []
    caveats: list[str] = []
    os_name, arch, gpu = host.os, host.arch, host.gpu_memory_mib
    supported = entry.supported_os

    if os_name and supported and os_name not in supported:
        reasons.append(f"Runs on {_list_text([_OS_NAMES.get(o, o) for o in supported])} only; this machine runs {_OS_NAMES.get(os_name, os_name)}.")
    elif os_name and supported is None:
        caveats.append("The operating systems it runs on are not stated.")

    if arch and architectures and arch not in architectures:
        reasons.append(f"Built for {_list_text(list(architectures))} only (a platform-specific wheel); this machine is {arch}.")

    accelerator = machine_accelerator(host)
    offered = [a[0] for a in accelerators]
    if accelerator and offered and accelerator not in offered and not reasons:
        names = _list_text([_accelerator_name(a) for a in offered])
        reasons.append(f"Needs a GPU ({names}); this machine has none." if accelerator == "cpu" else f"Runs on {names}, not on {_accelerator_name(accelerator)}.")

    minimum = entry.minimum_gpu_memory_mib
    if gpu is not None and gpu > 0 and isinstance(minimum, int) and minimum > gpu:
        reasons.append(f"Needs {gib_text(minimum)} of GPU memory; this machine has {gib_text(gpu)}.")
    elif gpu is not None and gpu > 0 and minimum is NOT_MEASURED:
        caveats.append("The GPU memory it needs has not been measured.")

    if os_name and arch and accelerator:
        here = [(k, s) for k, s in sorted(entry.platforms.items()) if _here(k, os_name, arch, accelerator)]
        failed = next((k for k, s in here if s == "incompatible"), None)
        if failed and not any(s in ("compatible", "degraded") for _, s in here):
            reasons.append(f"Checked on {failed}: incompatible.")
        elif not here and not reasons:
            caveats.append(f"Not checked yet on {os_name}-{arch}-{accelerator}.")

    # The catalog does not know the host's Python; a client does, and a version-specific wheel needs it.
    pythons = entry.python_versions if entry.python_versions is not None else wheels["python_versions"]
    if host.python and pythons and host.python not in pythons:
        reasons.append(f"Installs on Python {_list_text(pythons)} only (a version-specific wheel); this machine has Python {host.python}.")

    return Fit(True, [], caveats) if not reasons else Fit(False, reasons, [])


def _here(key: str, os_name: str, arch: str, accelerator: str) -> bool:
    p_os, p_arch, p_accelerator = platform_parts(key)
    return p_os == os_name and _same_arch(p_arch, arch) and p_accelerator == accelerator


def compatibility(entry: Entry, host: Host) -> tuple[bool, str | None]:
    """FIAB's is_locally_compatible / local_compatibility_detail: (compatible, why not or None)."""
    result = fit(entry, host)
    return result.fits, (" ".join(result.reasons) if result.reasons else None)
