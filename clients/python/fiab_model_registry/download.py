"""Checkpoint downloads into a cache keyed by SHA-256: resumed from a .part file with Range requests, size and
digest checked before an atomic rename, and one download per file across processes (an fcntl lock)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path
from typing import Callable

from .entry import Entry
from .errors import DownloadError, IntegrityError, NetworkError
from .transport import BodyTooLarge, stream

Progress = Callable[[int, "int | None"], None]


def cache_key(entry: Entry) -> str:
    # Without a published digest the file is keyed by its URL, and only its size can be checked.
    return entry.source.sha256 or "url-" + hashlib.sha256(entry.source.url.encode()).hexdigest()


def checkpoint_path(directory: Path, entry: Entry) -> Path:
    return directory / cache_key(entry)


def download(entry: Entry, directory: Path, *, timeout: float, max_bytes: int, retries: int, progress: Progress | None = None) -> Path:
    final = checkpoint_path(directory, entry)
    if final.exists():
        return final
    directory.mkdir(parents=True, exist_ok=True)
    with open(final.with_name(final.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process downloading the same file: wait for it
        try:
            if final.exists():
                return final
            _download_locked(entry, final, timeout=timeout, max_bytes=max_bytes, retries=retries, progress=progress)
            return final
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _download_locked(entry: Entry, final: Path, *, timeout: float, max_bytes: int, retries: int, progress: Progress | None) -> None:
    part = final.with_name(final.name + ".part")
    expected = entry.source.size_bytes
    cap = expected if expected is not None else max_bytes
    attempt = 0
    while True:
        offset = part.stat().st_size if part.exists() else 0
        if offset > cap:
            part.unlink()
            offset = 0
        if expected is not None and offset == expected:
            break  # complete from an earlier call that stopped before checking it
        try:
            with open(part, "ab") as out:
                done = offset
                if progress:
                    progress(done, expected)

                def counted(n: int) -> None:
                    nonlocal done
                    done += n
                    if progress:
                        progress(done, expected)

                written, resumed = stream(entry.source.url, out, offset=offset, timeout=timeout, max_bytes=cap, on_bytes=counted)
                out.flush()
                os.fsync(out.fileno())
            if not resumed:  # the server ignored or refused the range: start over
                part.unlink()
                continue
            break
        except BodyTooLarge as err:
            part.unlink(missing_ok=True)
            raise IntegrityError(f"{entry.id}: {err}; the file was removed") from err
        except NetworkError as err:
            attempt += 1
            if attempt > retries:
                have = part.stat().st_size if part.exists() else 0
                raise DownloadError(f"{entry.id}: download interrupted at {have} bytes ({err}); calling again resumes from there") from err
            time.sleep(min(0.2 * attempt, 2.0))
    _check(entry, part)
    os.replace(part, final)


def _check(entry: Entry, part: Path) -> None:
    size = part.stat().st_size
    if entry.source.size_bytes is not None and size != entry.source.size_bytes:
        part.unlink()
        raise IntegrityError(f"{entry.id}: downloaded {size} bytes, the entry's source.sizeBytes is {entry.source.size_bytes}; the file was removed")
    if entry.source.sha256 is None:
        return
    digest = hashlib.sha256()
    with open(part, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != entry.source.sha256:
        part.unlink()
        raise IntegrityError(f"{entry.id}: SHA-256 of the download is {digest.hexdigest()}, the entry's source.sha256 is {entry.source.sha256}; the file was removed")


def wait_for(entry: Entry, directory: Path, timeout: float, poll: float = 0.2) -> Path:
    """The cached file once present (another process may be downloading it); TimeoutError after `timeout` s."""
    final = checkpoint_path(directory, entry)
    deadline = time.monotonic() + timeout
    while not final.exists():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{entry.id}: not in the cache ({final}) after {timeout} s")
        time.sleep(poll)
    return final
