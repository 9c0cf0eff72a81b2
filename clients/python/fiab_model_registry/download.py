"""Checkpoint downloads into a cache keyed by SHA-256: resumed from a .part file with Range requests, size and
digest checked before an atomic rename, and one download per file across processes (an fcntl lock).

Whoever else can write to the cache folder could plant a symbolic link at a name we are about to open (the
.part file, the lock, the finished file) to make us write, append to or hand out a file elsewhere. So every one of
them is opened with O_NOFOLLOW or checked with lstat: a link is removed and never followed."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import time
import warnings
from pathlib import Path
from typing import Callable

from .entry import Entry
from .errors import DownloadError, IntegrityError, NetworkError
from .transport import BodyTooLarge, TooSlow, stream

Progress = Callable[[int, "int | None"], None]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def cache_key(entry: Entry) -> str:
    # Without a published digest the file is keyed by its URL, and only its size can be checked.
    return entry.source.sha256 or "url-" + hashlib.sha256(entry.source.url.encode()).hexdigest()


def checkpoint_path(directory: Path, entry: Entry) -> Path:
    return directory / cache_key(entry)


def _regular(path: Path) -> bool:
    """Whether `path` is a regular file; anything else at the name (a link, a folder, a fifo) is removed if it can be."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISREG(mode):
        return True
    warnings.warn(f"{path}: not a regular file (a symbolic link?) in the checkpoint cache; removed, not followed", stacklevel=3)
    if not stat.S_ISDIR(mode):
        path.unlink(missing_ok=True)
    return False


def cached(directory: Path, entry: Entry) -> Path | None:
    """The finished file, when the cache holds it as a regular file."""
    final = checkpoint_path(directory, entry)
    return final if _regular(final) else None


def _open_nofollow(path: Path, flags: int) -> int:
    """os.open that refuses a link at `path`: ELOOP removes the link and creates the file afresh."""
    try:
        return os.open(path, flags | _NOFOLLOW, 0o644)
    except OSError as err:
        if err.errno != errno.ELOOP:
            raise
        warnings.warn(f"{path}: a symbolic link in the checkpoint cache; removed, not followed", stacklevel=3)
        path.unlink()
        return os.open(path, flags | os.O_CREAT | _NOFOLLOW, 0o644)  # a link planted again fails here (ELOOP)


def download(
    entry: Entry, directory: Path, *, timeout: float, max_bytes: int, retries: int, progress: Progress | None = None, min_rate: float = 16 * 1024, grace: float = 30.0
) -> Path:
    final = checkpoint_path(directory, entry)
    if cached(directory, entry):
        return final
    directory.mkdir(parents=True, exist_ok=True)
    lock = _open_nofollow(final.with_name(final.name + ".lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process downloading the same file: wait for it
        if cached(directory, entry):
            return final
        _download_locked(entry, final, timeout=timeout, max_bytes=max_bytes, retries=retries, progress=progress, min_rate=min_rate, grace=grace)
        return final
    finally:
        os.close(lock)  # releases the flock


def _download_locked(entry: Entry, final: Path, *, timeout: float, max_bytes: int, retries: int, progress: Progress | None, min_rate: float, grace: float) -> None:
    part = final.with_name(final.name + ".part")
    expected = entry.source.size_bytes
    cap = expected if expected is not None else max_bytes
    attempt = 0
    while True:
        offset = os.lstat(part).st_size if _regular(part) else 0
        if offset > cap:
            part.unlink()
            offset = 0
        if expected is not None and offset == expected:
            break  # complete from an earlier call that stopped before checking it
        try:
            with os.fdopen(_open_nofollow(part, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab") as out:
                done = offset
                if progress:
                    progress(done, expected)

                def counted(n: int) -> None:
                    nonlocal done
                    done += n
                    if progress:
                        progress(done, expected)

                written, resumed = stream(entry.source.url, out, offset=offset, timeout=timeout, max_bytes=cap, on_bytes=counted, min_rate=min_rate, grace=grace)
                out.flush()
                os.fsync(out.fileno())
            if not resumed:  # the server ignored or refused the range: start over
                part.unlink()
                continue
            break
        except BodyTooLarge as err:
            part.unlink(missing_ok=True)
            raise IntegrityError(f"{entry.id}: {err}; the file was removed") from err
        except TooSlow as err:
            have = os.lstat(part).st_size if _regular(part) else 0
            raise DownloadError(f"{entry.id}: download stopped at {have} bytes ({err}); calling again resumes from there") from err
        except NetworkError as err:
            attempt += 1
            if attempt > retries:
                have = os.lstat(part).st_size if _regular(part) else 0
                raise DownloadError(f"{entry.id}: download interrupted at {have} bytes ({err}); calling again resumes from there") from err
            time.sleep(min(0.2 * attempt, 2.0))
    _check(entry, part)
    os.replace(part, final)


def _check(entry: Entry, part: Path) -> None:
    fd = os.open(part, os.O_RDONLY | _NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if entry.source.size_bytes is not None and size != entry.source.size_bytes:
            part.unlink()
            raise IntegrityError(f"{entry.id}: downloaded {size} bytes, the entry's source.sizeBytes is {entry.source.size_bytes}; the file was removed")
        if entry.source.sha256 is None:
            return
        digest = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != entry.source.sha256:
        part.unlink()
        raise IntegrityError(f"{entry.id}: SHA-256 of the download is {digest.hexdigest()}, the entry's source.sha256 is {entry.source.sha256}; the file was removed")


def wait_for(entry: Entry, directory: Path, timeout: float, poll: float = 0.2) -> Path:
    """The cached file once present (another process may be downloading it); TimeoutError after `timeout` s."""
    final = checkpoint_path(directory, entry)
    deadline = time.monotonic() + timeout
    while not cached(directory, entry):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{entry.id}: not in the cache ({final}) after {timeout} s")
        time.sleep(poll)
    return final
