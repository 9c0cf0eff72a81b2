"""A published registry as FIAB uses it: the checkpoint list (conditional GETs against a cache, a signature
check when a key is configured, an older document than the one held refused, the cached copy when the network
is down), each entry's fit to this host, and checkpoint files downloaded once into a verified cache.

The registry is a static site (`https://<site>`, whose /modelRegistry.json is read) or a registry server (a base
URL ending in /api/v1 or /api/v1/checkpoints, whose GET /api/v1/checkpoints answers the same document with an
integer revision)."""

from __future__ import annotations

import hashlib
import json
import re
import time
import urllib.parse
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

from . import download as downloads
from .compatibility import Fit, compatibility, fit
from .entry import Entry, read_registry
from .errors import NetworkError, RegistryError, ResponseError, RollbackError, SignatureError
from .files import default_cache_dir, read_or_none, write_atomic
from .host import Host
from .signature import MAX_SIGNATURE_BYTES, PublicKey, verify
from .transport import get

DOCUMENT = "modelRegistry.json"
_REVISION = re.compile(r"^[0-9a-f]{64}\Z")
# A registry server's API, as its base URL or its checkpoints route.
_SERVER_API = re.compile(r"/api/v1(/checkpoints)?\Z")


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
        allow_rollback: bool = False,
        min_download_rate: float = 16 * 1024,
        download_grace: float = 30.0,
    ) -> None:
        """`timeout` bounds each request for the registry document or its signature, whole (headers and body).
        `download_timeout` bounds a checkpoint download's wait for its headers and for each byte, and the body must
        average `min_download_rate` bytes/s once `download_grace` seconds have passed. `allow_rollback` accepts a
        document older than the cached one (a lower revision number from a server, an earlier publishedAt from a
        static site); by default it is refused with RollbackError."""
        if not re.match(r"^https?://[^\s]+\Z", base_url):
            raise ValueError(f"base_url: expected an http(s) URL, found {base_url!r}")
        if revision is not None and not _REVISION.match(revision):
            raise ValueError(f"revision: expected the 64 hex digits of a modelRegistry.json's SHA-256, found {revision!r}")
        base = base_url.rstrip("/")
        api = _SERVER_API.search(urllib.parse.urlsplit(base).path)
        self.server = api is not None
        if self.server:
            base = base[: -len("/checkpoints")] if api.group(1) else base  # type: ignore[union-attr]
            if revision is not None:
                raise ValueError(f"revision: {base} is a registry server, whose documents are not content-addressed; pin a revision of the static site")
            if public_key is not None:
                raise ValueError(f"public_key: {base} is a registry server, which does not sign its documents; with a key, read the static site that publishes its entries")
        self.base_url = base
        self.document = "checkpoints" if self.server else DOCUMENT
        self.allow_rollback = allow_rollback
        self.min_download_rate = min_download_rate
        self.download_grace = download_grace
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

    @property
    def document_url(self) -> str:
        """The document read: <site>/modelRegistry.json, or <server>/api/v1/checkpoints."""
        return f"{self.base_url}/{self.document}"

    def refresh(self) -> dict[str, Entry]:
        doc = self._parse(self._pinned()) if self.revision_pin else self._latest()
        try:
            entries, skipped = read_registry(doc)
        except ValueError as err:
            raise ResponseError(f"{self.document_url}: {err}") from err
        for message in skipped:
            warnings.warn(f"{self.document}: {message}", stacklevel=3)
        self.revision, self.published_at = _ordering(doc)
        self.warnings = skipped
        self._entries = entries
        return entries

    def _parse(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise ResponseError(f"{self.document_url}: not JSON ({err})") from err

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

    def _latest(self) -> Any:
        folder = self._registry_dir
        cached = read_or_none(folder / DOCUMENT)
        cached_sig = read_or_none(folder / f"{DOCUMENT}.sig")
        meta = _meta(folder / "meta.json")
        usable = cached is not None and (self.public_key is None or cached_sig is not None)
        headers = {"If-None-Match": meta["etag"]} if usable and isinstance(meta.get("etag"), str) else {}
        self.from_cache = False
        try:
            response = self._fetch(self.document, self.max_registry_bytes, headers)
        except NetworkError as err:
            if not usable:
                raise
            assert cached is not None
            self._verify(cached, cached_sig, f"cached {self.document}")
            fetched = meta.get("fetchedAt")
            age = _age(time.time() - fetched) if isinstance(fetched, (int, float)) else "an unknown time"
            warnings.warn(f"registry {self.base_url} unreachable ({err}); using the cached copy fetched {age} ago", stacklevel=4)
            self.from_cache = True
            return self._parse(cached)
        if response.status == 304 and usable:
            assert cached is not None
            self._verify(cached, cached_sig, f"cached {self.document}")
            _save_meta(folder, {**meta, "checkedAt": time.time()})
            self.from_cache = True
            return self._parse(cached)
        if response.status != 200:
            raise ResponseError(f"{self.document_url}: the server answered {response.status}")
        sig = self._verified_signature(response.body)
        doc = self._parse(response.body)
        fresh = _ordering(doc)
        if cached is not None and not self.allow_rollback:
            held = (meta.get("revision"), meta.get("publishedAt")) if "revision" in meta or "publishedAt" in meta else _ordering(_json_or_none(cached))
            why = rollback(fresh, held)
            if why:
                fetched = meta.get("fetchedAt")
                since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(fetched)) if isinstance(fetched, (int, float)) else "an earlier read"
                raise RollbackError(f"{self.document_url}: refused an older registry document than the one held since {since} (a rollback): {why}; pass allow_rollback=True to accept it")
        # The document first, then its signature, then the ETag: a crash in between leaves no ETag to match.
        (folder / "meta.json").unlink(missing_ok=True)
        write_atomic(folder / DOCUMENT, response.body)
        if sig is not None:
            write_atomic(folder / f"{DOCUMENT}.sig", sig)
        else:
            (folder / f"{DOCUMENT}.sig").unlink(missing_ok=True)
        _save_meta(folder, {"url": self.document_url, "etag": response.headers.get("etag"), "fetchedAt": time.time(), "revision": fresh[0], "publishedAt": fresh[1]})
        return doc

    def _verified_signature(self, body: bytes) -> bytes | None:
        """The .sig that verifies the latest document. A cache in front of the host may pair a new document with
        the previous .sig for a minute; the content-addressed copy's .sig belongs to exactly these bytes."""
        sig = self._signature(self.document)
        try:
            self._verify(body, sig, self.document_url)
            return sig
        except SignatureError as mismatch:
            try:
                pinned = self._signature(f"revisions/{hashlib.sha256(body).hexdigest()}/{DOCUMENT}")
                self._verify(body, pinned, self.document_url)
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
            raise KeyError(f"{checkpoint_id}: no such checkpoint in {self.document_url} ({len(entries)} entries)")
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
            entry, self.checkpoint_dir, timeout=self.download_timeout, max_bytes=self.max_checkpoint_bytes, retries=self.retries, progress=progress, min_rate=self.min_download_rate, grace=self.download_grace
        ).resolve()

    def wait_for(self, checkpoint_id: str, timeout: float) -> Path:
        """Waits until the checkpoint is in the cache (downloaded by another process); TimeoutError after `timeout` s."""
        return downloads.wait_for(self.entry(checkpoint_id), self.checkpoint_dir, timeout).resolve()

    def cached_checkpoint(self, checkpoint_id: str) -> Path | None:
        path = downloads.cached(self.checkpoint_dir, self.entry(checkpoint_id))
        return path.resolve() if path is not None else None


Ordering = tuple["str | int | None", "str | None"]


def _ordering(doc: Any) -> Ordering:
    """A document's (revision, publishedAt): the server's revision is an integer, the static site's a commit."""
    if not isinstance(doc, dict):
        return None, None
    revision, published = doc.get("revision"), doc.get("publishedAt")
    return (revision if isinstance(revision, (str, int)) and not isinstance(revision, bool) else None, published if isinstance(published, str) else None)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _instant(text: str | None) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def rollback(fresh: Ordering, held: Ordering) -> str | None:
    """Why `fresh` is older than `held`, or cannot be shown not to be; None when it may replace it. Revision numbers
    (the server's) compare as numbers; the static site's revisions are commits, which do not order, so its
    documents compare by publishedAt. A document without the field the held one was ordered by is refused too:
    dropping it must not be a way round the check. The TypeScript client applies the same rule."""
    (fresh_revision, fresh_at), (held_revision, held_at) = fresh, held
    if isinstance(held_revision, int):
        if not isinstance(fresh_revision, int):
            return f"it has no revision number, and the document held is revision {held_revision}"
        return f"its revision {fresh_revision} is older than revision {held_revision}, the document held" if fresh_revision < held_revision else None
    held_time = _instant(held_at)
    if held_time is None:
        return None
    fresh_time = _instant(fresh_at)
    if fresh_time is None:
        return f"it has no publishedAt, and the document held was published at {held_at}"

    def named(at: str | None, revision: str | int | None) -> str:
        return f"{at}" + ("" if revision is None else f" (revision {revision})")

    return f"it was published at {named(fresh_at, fresh_revision)}, before {named(held_at, held_revision)}, the document held" if fresh_time < held_time else None


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
