"""A published registry as FIAB uses it: the checkpoint list (conditional GETs against a cache, a signature
check when a key is configured, the cached copy when the network is down), each entry's fit to this host,
and checkpoint files downloaded once into a verified cache."""

from __future__ import annotations

import hashlib
import json
import re
import time
import warnings
from pathlib import Path
from typing import Any

from . import download as downloads
from .compatibility import Fit, compatibility, fit
from .entry import Entry, read_registry
from .errors import NetworkError, RegistryError, ResponseError, SignatureError
from .files import default_cache_dir, read_or_none, write_atomic
from .host import Host
from .signature import MAX_SIGNATURE_BYTES, PublicKey, verify
from .transport import get

DOCUMENT = "modelRegistry.json"
_REVISION = re.compile(r"^[0-9a-f]{64}$")


class Registry:
    def __init__(
        self,
        base_url: str,
        cache_dir: str | Path | None = None,
        public_key: str | bytes | None = None,
        revision: str | None = None,
        timeout: float = 30.0,
        max_registry_bytes: int = 256 * 1024 * 1024,
        max_checkpoint_bytes: int = 64 * 1024**3,
        download_timeout: float = 60.0,
        retries: int = 3,
        host: Host | None = None,
    ) -> None:
        if not re.match(r"^https?://[^\s]+$", base_url):
            raise ValueError(f"base_url: expected an http(s) URL, found {base_url!r}")
        if revision is not None and not _REVISION.match(revision):
            raise ValueError(f"revision: expected the 64 hex digits of a modelRegistry.json's SHA-256, found {revision!r}")
        self.base_url = base_url.rstrip("/")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        # The key is parsed (and cryptography imported) only when one is configured.
        self.public_key = PublicKey.parse(public_key) if public_key is not None else None
        self.revision_pin = revision
        self.timeout = timeout
        self.max_registry_bytes = max_registry_bytes
        self.max_checkpoint_bytes = max_checkpoint_bytes
        self.download_timeout = download_timeout
        self.retries = retries
        self._host = host
        self._entries: dict[str, Entry] | None = None
        self.warnings: list[str] = []
        self.revision: str | int | None = None
        self.published_at: str | None = None
        self.from_cache = False

    # --- the checkpoint list ---

    @property
    def _registry_dir(self) -> Path:
        # One cache folder per registry address: two registries never share a cached document.
        return self.cache_dir / "registries" / hashlib.sha256(self.base_url.encode()).hexdigest()[:16]

    def checkpoints(self) -> dict[str, Entry]:
        """The registry's entries by id, fetched on first use (conditional on the cached ETag)."""
        if self._entries is None:
            self.refresh()
        assert self._entries is not None
        return self._entries

    def refresh(self) -> dict[str, Entry]:
        body = self._pinned() if self.revision_pin else self._latest()
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise ResponseError(f"{self.base_url}/{DOCUMENT}: not JSON ({err})") from err
        try:
            entries, skipped = read_registry(doc)
        except ValueError as err:
            raise ResponseError(f"{self.base_url}/{DOCUMENT}: {err}") from err
        for message in skipped:
            warnings.warn(f"{DOCUMENT}: {message}", stacklevel=3)
        revision = doc.get("revision")
        self.revision = revision if isinstance(revision, (str, int)) and not isinstance(revision, bool) else None
        published = doc.get("publishedAt")
        self.published_at = published if isinstance(published, str) else None
        self.warnings = skipped
        self._entries = entries
        return entries

    def _fetch(self, path: str, max_bytes: int, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return get(f"{self.base_url}/{path}", headers=headers or {}, timeout=self.timeout, max_bytes=max_bytes)

    def _signature(self, path: str) -> bytes | None:
        if self.public_key is None:
            return None
        response = self._fetch(f"{path}.sig", MAX_SIGNATURE_BYTES)
        if response.status == 404:
            return None  # verify() then refuses: a configured key demands a signature
        if response.status != 200:
            raise ResponseError(f"{self.base_url}/{path}.sig: the server answered {response.status}")
        return response.body

    def _verify(self, body: bytes, sig: bytes | None, name: str) -> None:
        if self.public_key is not None:
            verify(body, sig, self.public_key, name)

    def _latest(self) -> bytes:
        folder = self._registry_dir
        cached = read_or_none(folder / DOCUMENT)
        cached_sig = read_or_none(folder / f"{DOCUMENT}.sig")
        meta = _meta(folder / "meta.json")
        usable = cached is not None and (self.public_key is None or cached_sig is not None)
        headers = {"If-None-Match": meta["etag"]} if usable and isinstance(meta.get("etag"), str) else {}
        self.from_cache = False
        try:
            response = self._fetch(DOCUMENT, self.max_registry_bytes, headers)
        except NetworkError as err:
            if not usable:
                raise
            assert cached is not None
            self._verify(cached, cached_sig, f"cached {DOCUMENT}")
            fetched = meta.get("fetchedAt")
            age = _age(time.time() - fetched) if isinstance(fetched, (int, float)) else "an unknown time"
            warnings.warn(f"registry {self.base_url} unreachable ({err}); using the cached copy fetched {age} ago", stacklevel=4)
            self.from_cache = True
            return cached
        if response.status == 304 and usable:
            assert cached is not None
            self._verify(cached, cached_sig, f"cached {DOCUMENT}")
            _save_meta(folder, {**meta, "checkedAt": time.time()})
            self.from_cache = True
            return cached
        if response.status != 200:
            raise ResponseError(f"{self.base_url}/{DOCUMENT}: the server answered {response.status}")
        sig = self._verified_signature(response.body)
        # The document first, then its signature, then the ETag: a crash in between leaves no ETag to match.
        (folder / "meta.json").unlink(missing_ok=True)
        write_atomic(folder / DOCUMENT, response.body)
        if sig is not None:
            write_atomic(folder / f"{DOCUMENT}.sig", sig)
        else:
            (folder / f"{DOCUMENT}.sig").unlink(missing_ok=True)
        _save_meta(folder, {"url": f"{self.base_url}/{DOCUMENT}", "etag": response.headers.get("etag"), "fetchedAt": time.time()})
        return response.body

    def _verified_signature(self, body: bytes) -> bytes | None:
        """The .sig that verifies the latest document. A cache in front of the host may pair a new document with
        the previous .sig for a minute; the content-addressed copy's .sig belongs to exactly these bytes."""
        sig = self._signature(DOCUMENT)
        try:
            self._verify(body, sig, f"{self.base_url}/{DOCUMENT}")
            return sig
        except SignatureError as mismatch:
            try:
                pinned = self._signature(f"revisions/{hashlib.sha256(body).hexdigest()}/{DOCUMENT}")
                self._verify(body, pinned, f"{self.base_url}/{DOCUMENT}")
            except RegistryError:
                raise mismatch from None
            return pinned

    def _pinned(self) -> bytes:
        """A content-addressed copy: /revisions/<sha256>/modelRegistry.json, its digest checked against the path."""
        revision = self.revision_pin
        assert revision is not None
        path = f"revisions/{revision}/{DOCUMENT}"
        folder = self.cache_dir / "revisions" / revision
        cached = read_or_none(folder / DOCUMENT)
        if cached is not None and hashlib.sha256(cached).hexdigest() == revision:
            sig = read_or_none(folder / f"{DOCUMENT}.sig")
            if self.public_key is None or sig is not None:
                self._verify(cached, sig, f"cached {path}")
                self.from_cache = True
                return cached
        response = self._fetch(path, self.max_registry_bytes)
        if response.status != 200:
            raise ResponseError(f"{self.base_url}/{path}: the server answered {response.status}")
        digest = hashlib.sha256(response.body).hexdigest()
        if digest != revision:
            raise SignatureError(f"{self.base_url}/{path}: its SHA-256 is {digest}, not the pinned revision")
        sig = self._signature(path)
        self._verify(response.body, sig, f"{self.base_url}/{path}")
        write_atomic(folder / DOCUMENT, response.body)
        if sig is not None:
            write_atomic(folder / f"{DOCUMENT}.sig", sig)
        self.from_cache = False
        return response.body

    def entry(self, checkpoint_id: str) -> Entry:
        entries = self.checkpoints()
        if checkpoint_id not in entries:
            raise KeyError(f"{checkpoint_id}: no such checkpoint in {self.base_url}/{DOCUMENT} ({len(entries)} entries)")
        return entries[checkpoint_id]

    # --- this host ---

    @property
    def host(self) -> Host:
        if self._host is None:
            self._host = Host.detect()
        return self._host

    def compatibility(self, entry: Entry, host: Host | None = None) -> tuple[bool, str | None]:
        """(compatible, detail): FIAB's is_locally_compatible and local_compatibility_detail."""
        return compatibility(entry, host or self.host)

    def fit(self, entry: Entry, host: Host | None = None) -> Fit:
        """The reasons and the caveats (what is not known yet) behind compatibility()."""
        return fit(entry, host or self.host)

    # --- checkpoint files ---

    @property
    def checkpoint_dir(self) -> Path:
        return self.cache_dir / "checkpoints"

    def get_checkpoint_realpath(self, checkpoint_id: str, progress: downloads.Progress | None = None) -> Path:
        """The local path of the checkpoint's file, downloaded and verified first if needed."""
        entry = self.entry(checkpoint_id)
        return downloads.download(
            entry, self.checkpoint_dir, timeout=self.download_timeout, max_bytes=self.max_checkpoint_bytes, retries=self.retries, progress=progress
        ).resolve()

    def wait_for(self, checkpoint_id: str, timeout: float) -> Path:
        """Waits until the checkpoint is in the cache (downloaded by another process); TimeoutError after `timeout` s."""
        return downloads.wait_for(self.entry(checkpoint_id), self.checkpoint_dir, timeout).resolve()

    def cached_checkpoint(self, checkpoint_id: str) -> Path | None:
        path = downloads.checkpoint_path(self.checkpoint_dir, self.entry(checkpoint_id))
        return path.resolve() if path.exists() else None


def _meta(path: Path) -> dict[str, Any]:
    raw = read_or_none(path)
    try:
        meta = json.loads(raw) if raw is not None else {}
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _save_meta(folder: Path, meta: dict[str, Any]) -> None:
    write_atomic(folder / "meta.json", json.dumps(meta).encode())


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


__all__ = ["Registry", "RegistryError"]
