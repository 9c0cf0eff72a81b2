"""The tolerant reading of published entries, as the registry's consuming schema reads them: unknown fields are
ignored, unknown enum values read as "unknown", and an entry written for a newer schemaVersion is skipped with
a warning instead of failing the whole document. The fields this client acts on are type-checked; an entry
whose checked field has the wrong type is skipped, with the field named. So is an entry whose id is not a
checkpoint id (ids name files: "../../tmp/x" would leave the cache) and one holding text that is not
well-formed Unicode (a lone surrogate from a "\ud800" escape, which cannot be printed or written as UTF-8)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

SCHEMA_VERSION = 1

OPERATING_SYSTEMS = ("linux", "macos")
CPU_ARCHITECTURES = ("x86_64", "aarch64")
COMPATIBILITY_STATUSES = ("unknown", "compatible", "degraded", "incompatible")

# \Z, not $: "$" would also match before a final newline ("x\n" is no id, no digest).
_HTTP_URL = re.compile(r"^https?://[^\s]+\Z")
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")
_PYTHON_MINOR = re.compile(r"^3\.\d+\Z")
_PLATFORM_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9_.]+)*\Z")
CHECKPOINT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")

# minimumGpuMemoryMib distinguishes "not measured" (absent) from "no minimum" (null).
NOT_MEASURED: Any = type("NotMeasured", (), {"__repr__": lambda self: "NOT_MEASURED", "__bool__": lambda self: False})()


class EntryProblem(ValueError):
    def __init__(self, path: str, expected: str, found: Any) -> None:
        super().__init__(f"{path}: expected {expected}, found {_describe(found)}")
        self.path = path


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[:60])
    if isinstance(value, (int, float)):
        return str(value)
    return type(value).__name__ if not isinstance(value, (dict, list)) else ("an object" if isinstance(value, dict) else "a list")


_MISSING = object()


def _get(doc: Mapping[str, Any], path: str, kind: type | tuple[type, ...], expected: str, required: bool = False) -> Any:
    at: Any = doc
    for key in path.split("."):
        if not isinstance(at, dict):
            at = _MISSING
            break
        at = at.get(key, _MISSING)
    if at is _MISSING:
        if required:
            raise EntryProblem(path, expected, None)
        return _MISSING
    # JSON true/false are ints to Python; a number field never accepts them.
    if not isinstance(at, kind) or (isinstance(at, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))):
        raise EntryProblem(path, expected, at)
    return at


def _enum_list(doc: Mapping[str, Any], path: str, values: tuple[str, ...]) -> list[str] | None:
    raw = _get(doc, path, list, "a list of strings")
    if raw is _MISSING:
        return None
    out = []
    for i, v in enumerate(raw):
        if not isinstance(v, str):
            raise EntryProblem(f"{path}[{i}]", "a string", v)
        out.append(v if v in values else "unknown")
    return out


def _string_list(doc: Mapping[str, Any], path: str, pattern: re.Pattern[str] | None = None, expected: str = "a string") -> list[str] | None:
    raw = _get(doc, path, list, "a list of strings")
    if raw is _MISSING:
        return None
    for i, v in enumerate(raw):
        if not isinstance(v, str) or (pattern is not None and not pattern.match(v)):
            raise EntryProblem(f"{path}[{i}]", expected, v)
    return list(raw)


@dataclass(frozen=True)
class Source:
    url: str
    size_bytes: int | None = None
    sha256: str | None = None
    mirrors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One checkpoint as the registry publishes it. `document` is the entry as published (unknown fields kept
    there but not acted on); the attributes are the checked, normalised facts."""

    id: str
    name: str
    schema_version: int
    source: Source
    supported_os: list[str] | None = None
    architectures: list[str] | None = None
    # int, None (no minimum) or NOT_MEASURED
    minimum_gpu_memory_mib: Any = NOT_MEASURED
    python_versions: list[str] | None = None
    pip_constraints: list[str] = field(default_factory=list)
    pickle_modules: list[str] = field(default_factory=list)
    # platform key -> status ("compatible", "degraded", "incompatible", "unknown")
    platforms: dict[str, str] = field(default_factory=dict)
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _path(keys: list[str | int]) -> str:
    """A JSON path as the registry writes it: display.name, inputs.datasets[0], tags["a b"]."""
    out = ""
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        elif re.match(r"^[A-Za-z_$][\w$]*$", key, re.ASCII):
            out += f".{key}" if out else key
        else:
            out += "[" + json.dumps(key) + "]"
    return out or "(root)"


def _lone_surrogate(text: str) -> str | None:
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as err:
        return f"\\u{ord(text[err.start]):04x}"


def _ill_formed(value: Any, keys: list[str | int]) -> str | None:
    """Where the first string of `value` (a key or a value) holding a lone surrogate is, and which, in words."""
    if isinstance(value, str):
        surrogate = _lone_surrogate(value)
        return None if surrogate is None else f"{_path(keys)}: text holds a lone surrogate ({surrogate}): text must be well-formed Unicode"
    items = list(enumerate(value)) if isinstance(value, list) else list(value.items()) if isinstance(value, dict) else []
    for key, item in items:
        if isinstance(key, str) and _lone_surrogate(key) is not None:
            return f"{_path(keys)}: the key holds a lone surrogate ({_lone_surrogate(key)}): text must be well-formed Unicode"
        found = _ill_formed(item, keys + [key])
        if found:
            return found
    return None


def _printable(checkpoint_id: str) -> str:
    return checkpoint_id.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


def read_entry(checkpoint_id: str, doc: Any) -> tuple[Entry | None, str | None]:
    """The entry, or None with a warning saying why it was skipped."""
    if not CHECKPOINT_ID.match(checkpoint_id):
        return None, f"{_printable(checkpoint_id)}: skipped: {json.dumps(_printable(checkpoint_id))} is not a checkpoint id (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128)"
    if not isinstance(doc, dict):
        return None, f"{checkpoint_id}: skipped: expected an object, found {_describe(doc)}"
    ill_formed = _ill_formed(doc, [])
    if ill_formed:
        return None, f"{checkpoint_id}: skipped: {ill_formed}"
    version = doc.get("schemaVersion")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return None, f"{checkpoint_id}: skipped: written for schema version {version}, this reader knows up to {SCHEMA_VERSION}"
    try:
        return _entry(checkpoint_id, doc), None
    except EntryProblem as problem:
        return None, f"{checkpoint_id}: skipped: {problem}"


def _entry(checkpoint_id: str, doc: dict[str, Any]) -> Entry:
    version = _get(doc, "schemaVersion", int, "a positive integer", required=True)
    if version < 1:
        raise EntryProblem("schemaVersion", "a positive integer", version)
    name = _get(doc, "display.name", str, "a non-empty string", required=True)
    if not name:
        raise EntryProblem("display.name", "a non-empty string", name)
    url = _get(doc, "source.url", str, "an http(s) URL", required=True)
    if not _HTTP_URL.match(url):
        raise EntryProblem("source.url", "an http(s) URL", url)
    size = _get(doc, "source.sizeBytes", int, "a non-negative integer")
    if size is not _MISSING and size < 0:
        raise EntryProblem("source.sizeBytes", "a non-negative integer", size)
    digest = _get(doc, "source.sha256", str, "64 lowercase hexadecimal digits")
    if digest is not _MISSING and not _SHA256.match(digest):
        raise EntryProblem("source.sha256", "64 lowercase hexadecimal digits", digest)
    mirrors = _string_list(doc, "source.mirrors", _HTTP_URL, "an http(s) URL") or []

    gpu = _get(doc, "infrastructure.minimumGpuMemoryMib", (int, type(None)), "a non-negative integer or null")
    if isinstance(gpu, int) and gpu < 0:
        raise EntryProblem("infrastructure.minimumGpuMemoryMib", "a non-negative integer or null", gpu)

    platforms: dict[str, str] = {}
    compatibility = _get(doc, "compatibility", dict, "an object of platform keys")
    if compatibility is not _MISSING:
        for key in sorted(compatibility):
            record = compatibility[key]
            if not _PLATFORM_KEY.match(key):
                raise EntryProblem(f"compatibility.{key}", 'a lowercase platform key such as "linux-x86_64-cuda"', key)
            if not isinstance(record, dict):
                raise EntryProblem(f"compatibility.{key}", "an object", record)
            status = record.get("status", "unknown")
            if not isinstance(status, str):
                raise EntryProblem(f"compatibility.{key}.status", "a string", status)
            platforms[key] = status if status in COMPATIBILITY_STATUSES else "unknown"

    return Entry(
        id=checkpoint_id,
        name=name,
        schema_version=version,
        source=Source(url=url, size_bytes=None if size is _MISSING else size, sha256=None if digest is _MISSING else digest, mirrors=tuple(mirrors)),
        supported_os=_enum_list(doc, "infrastructure.supportedOs", OPERATING_SYSTEMS),
        architectures=_enum_list(doc, "infrastructure.architectures", CPU_ARCHITECTURES),
        minimum_gpu_memory_mib=NOT_MEASURED if gpu is _MISSING else gpu,
        python_versions=_string_list(doc, "requirements.pythonVersions", _PYTHON_MINOR, 'a Python minor version such as "3.12"'),
        pip_constraints=_string_list(doc, "requirements.pipConstraints") or [],
        pickle_modules=_string_list(doc, "pickle.modules") or [],
        platforms=platforms,
        document=doc,
    )


def read_registry(doc: Any) -> tuple[dict[str, Entry], list[str]]:
    """Reads a /modelRegistry.json document: {schemaVersion, revision?, publishedAt?, checkpoints: {id: entry}}."""
    checkpoints = doc.get("checkpoints") if isinstance(doc, dict) else None
    if not isinstance(checkpoints, dict):
        raise ValueError('not a model registry document: expected an object with a "checkpoints" object')
    entries: dict[str, Entry] = {}
    warnings: list[str] = []
    for checkpoint_id, entry_doc in checkpoints.items():
        entry, warning = read_entry(checkpoint_id, entry_doc)
        if entry is not None:
            entries[checkpoint_id] = entry
        if warning is not None:
            warnings.append(warning)
    return entries, warnings
