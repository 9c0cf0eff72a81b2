"""HTTP GETs with every size and time capped: registries and checkpoints are untrusted input."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import BinaryIO, Callable, Mapping

from .errors import NetworkError, ResponseError

USER_AGENT = "fiab-model-registry-python/0.1"


class BodyTooLarge(ResponseError):
    """More bytes than the cap: the rest is not read."""


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.lower().startswith(("http://", "https://")):
            raise ResponseError(f"{req.full_url}: redirected to a non-http(s) URL {newurl[:100]!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_HttpOnlyRedirects)


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


def _open(url: str, headers: Mapping[str, str], timeout: float):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    try:
        return _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        return err  # carries status, headers and a body like a response
    except (urllib.error.URLError, OSError, HTTPException) as err:
        raise NetworkError(f"{url}: {getattr(err, 'reason', err)}") from err


def get(url: str, *, headers: Mapping[str, str] = {}, timeout: float, max_bytes: int) -> Response:
    """The whole body, at most max_bytes, within `timeout` seconds in all. 5xx is a NetworkError (a cache may stand in)."""
    deadline = time.monotonic() + timeout
    response = _open(url, headers, timeout)
    with response:
        status = response.status if hasattr(response, "status") else response.code
        if status >= 500:
            raise NetworkError(f"{url}: the server answered {status}")
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise ResponseError(f"{url}: {length} bytes, more than the {max_bytes} this client accepts")
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise NetworkError(f"{url}: not read within {timeout} s")
            try:
                chunk = response.read(65536)
            except (OSError, HTTPException, socket.timeout) as err:
                raise NetworkError(f"{url}: the connection broke after {size} bytes ({err})") from err
            if not chunk:
                # http.client ends a body cut short without an error: the announced length tells.
                if length and length.isdigit() and size < int(length):
                    raise NetworkError(f"{url}: the connection broke after {size} of {length} bytes")
                break
            size += len(chunk)
            if size > max_bytes:
                raise ResponseError(f"{url}: more than the {max_bytes} bytes this client accepts")
            chunks.append(chunk)
        return Response(status, {k.lower(): v for k, v in response.headers.items()}, b"".join(chunks))


def stream(url: str, out: BinaryIO, *, offset: int, timeout: float, max_bytes: int, on_bytes: Callable[[int], None]) -> tuple[int, bool]:
    """Appends the body to `out` from `offset` (a Range request when > 0). Returns (bytes written, whether the
    server honoured the range); when it did not, the caller must restart from 0. `timeout` is per read."""
    headers = {"Range": f"bytes={offset}-"} if offset > 0 else {}
    response = _open(url, headers, timeout)
    with response:
        status = response.status if hasattr(response, "status") else response.code
        if status == 416 and offset > 0:
            return 0, False
        if status not in (200, 206):
            raise (NetworkError if status >= 500 else ResponseError)(f"{url}: the server answered {status}")
        if status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {offset}-"):
                raise ResponseError(f"{url}: asked for bytes from {offset}, the server sent {content_range or 'no Content-Range'}")
        elif offset > 0:
            return 0, False
        announced = response.headers.get("Content-Length")
        expected = int(announced) if announced and announced.isdigit() else None
        written = 0
        while True:
            try:
                chunk = response.read(1 << 20)
            except (OSError, HTTPException, socket.timeout) as err:
                raise NetworkError(f"{url}: the connection broke after {offset + written} bytes ({err})") from err
            if not chunk:
                # http.client ends a body cut short without an error: the announced length tells.
                if expected is not None and written < expected:
                    raise NetworkError(f"{url}: the connection broke after {offset + written} bytes")
                return written, True
            written += len(chunk)
            if offset + written > max_bytes:
                raise BodyTooLarge(f"{url}: more than the {max_bytes} bytes announced")
            out.write(chunk)
            on_bytes(len(chunk))
