"""HTTP GETs with every size and time capped: registries and checkpoints are untrusted input.

http.client's timeout bounds each wait for a byte, not an exchange: a server that sends one byte every few seconds,
in its headers or its body, would hold a reader for ever. So every exchange has a watchdog thread that shuts the
connection's socket down when the exchange overruns: a registry document (and its signature) must be read whole
within `timeout` seconds; a checkpoint download must get its headers within `timeout` and then keep up an average
of `min_rate` bytes per second once `grace` seconds have passed (a multi-GB file may rightly take hours)."""

from __future__ import annotations

import http.client
import socket
import threading
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


class TooSlow(NetworkError):
    """A download averaging less than the minimum rate: retrying would only multiply the time a server can hold us."""


class _Watchdog:
    """Shuts down the sockets of one exchange (redirects included) when it overruns its deadline or its rate."""

    def __init__(self, deadline: float | None) -> None:
        self.reason: str | None = None
        self.received = 0
        self._deadline = deadline
        self._start = time.monotonic()
        self._min_rate = 0.0
        self._grace = 0.0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.reason is not None
        if fired:
            _shut(sock)

    def body(self, min_rate: float, grace: float) -> None:
        """From now on: no deadline, but at least `min_rate` bytes a second on average after `grace` seconds."""
        with self._lock:
            self._deadline, self._min_rate, self._grace = None, min_rate, grace
            self._start, self.received = time.monotonic(), 0

    def stop(self) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.wait(0.1):
            with self._lock:
                elapsed = time.monotonic() - self._start
                if self._deadline is not None and elapsed > self._deadline:
                    self.reason = f"not answered whole within {self._deadline:g} s (the timeout bounds the whole exchange)"
                elif self._min_rate > 0 and elapsed > self._grace and self.received < self._min_rate * elapsed:
                    self.reason = (
                        f"too slow: {self.received} bytes in {elapsed:.1f} s, under the minimum average of {self._min_rate:g} bytes/s "
                        f"required after {self._grace:g} s (min_download_rate)"
                    )
                else:
                    continue
                sockets = list(self._sockets)
            for sock in sockets:
                _shut(sock)
            return


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.lower().startswith(("http://", "https://")):
            raise ResponseError(f"{req.full_url}: redirected to a non-http(s) URL {newurl[:100]!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """An opener whose connections hand their sockets to `watchdog` as soon as they exist."""

    class Http(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.add(self.sock)

    class Https(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.add(self.sock)

    class HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(Http, req)

    class HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(Https, req, context=self._context)

    return urllib.request.build_opener(_HttpOnlyRedirects, HttpHandler, HttpsHandler)


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


def _open(url: str, headers: Mapping[str, str], timeout: float, watchdog: _Watchdog):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers})
    try:
        return _opener(watchdog).open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        return err  # carries status, headers and a body like a response
    except (urllib.error.URLError, OSError, HTTPException) as err:
        if watchdog.reason is not None:
            raise NetworkError(f"{url}: {watchdog.reason}") from err
        raise NetworkError(f"{url}: {getattr(err, 'reason', err)}") from err


def _read(response, url: str, watchdog: _Watchdog, size: int, n: int) -> bytes:  # type: ignore[no-untyped-def]
    """At most n bytes, returning after each arrival (read1), so that every byte is seen by the watchdog's count."""
    try:
        chunk = response.read1(n)
    except (OSError, HTTPException, socket.timeout, ValueError, AttributeError) as err:
        if watchdog.reason is not None:
            raise _overrun(url, watchdog, size) from err
        raise NetworkError(f"{url}: the connection broke after {size} bytes ({err})") from err
    if watchdog.reason is not None:
        raise _overrun(url, watchdog, size)
    watchdog.received += len(chunk)
    return chunk


def _overrun(url: str, watchdog: _Watchdog, size: int) -> NetworkError:
    kind = TooSlow if watchdog.reason and watchdog.reason.startswith("too slow") else NetworkError
    return kind(f"{url}: {watchdog.reason}, after {size} bytes")


def get(url: str, *, headers: Mapping[str, str] = {}, timeout: float, max_bytes: int) -> Response:
    """The whole body, at most max_bytes, within `timeout` seconds in all. 5xx is a NetworkError (a cache may stand in)."""
    watchdog = _Watchdog(deadline=timeout)
    try:
        response = _open(url, headers, timeout, watchdog)
        with response:
            status = response.status if hasattr(response, "status") else response.code
            if status >= 500:
                raise NetworkError(f"{url}: the server answered {status}")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ResponseError(f"{url}: {length} bytes, more than the {max_bytes} this client accepts")
            _check_encoding(url, response.headers)
            chunks, size = [], 0
            while True:
                chunk = _read(response, url, watchdog, size, 65536)
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
    finally:
        watchdog.stop()


def _check_encoding(url: str, headers) -> None:  # type: ignore[no-untyped-def]
    # Identity was asked for: a compressed body has neither the announced length nor the bytes whose digest is known.
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise ResponseError(f"{url}: the server sent Content-Encoding {encoding[:40]!r} although identity was asked for; refused without decoding it")


def stream(
    url: str, out: BinaryIO, *, offset: int, timeout: float, max_bytes: int, on_bytes: Callable[[int], None], min_rate: float = 16 * 1024, grace: float = 30.0
) -> tuple[int, bool]:
    """Appends the body to `out` from `offset` (a Range request when > 0). Returns (bytes written, whether the
    server honoured the range); when it did not, the caller must restart from 0. The headers must come within
    `timeout` seconds, each wait for a byte is at most `timeout`, and the body must average `min_rate` bytes/s
    after `grace` seconds (TooSlow otherwise)."""
    headers = {"Range": f"bytes={offset}-"} if offset > 0 else {}
    watchdog = _Watchdog(deadline=timeout)
    try:
        response = _open(url, headers, timeout, watchdog)
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
            _check_encoding(url, response.headers)
            announced = response.headers.get("Content-Length")
            expected = int(announced) if announced and announced.isdigit() else None
            watchdog.body(min_rate, grace)
            written = 0
            while True:
                chunk = _read(response, url, watchdog, offset + written, 1 << 20)
                if not chunk:
                    # http.client ends a body cut short without an error: the announced length tells.
                    if expected is not None and written < expected:
                        raise NetworkError(f"{url}: the connection broke after {offset + written} bytes")
                    return written, True
                if offset + written + len(chunk) > max_bytes:
                    raise BodyTooLarge(f"{url}: more than the {max_bytes} bytes announced")
                out.write(chunk)
                written += len(chunk)
                on_bytes(len(chunk))
    finally:
        watchdog.stop()
