"""What the tests share: a real HTTP server on 127.0.0.1 (ETags, 304, Range, faults, a request log), the
repository's real entries (their fixture copies) pointed at bytes that server holds, and Ed25519 signing in the published format."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import unittest
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# Copies of the shipped entries (tests/fixtures/SOURCES.md): the tests do not read the live entries/ folder.
ENTRIES = REPO / "tests" / "fixtures" / "entries" / "catalog"
CASES = REPO / "tests" / "fixtures" / "compatibility-cases.json"


@dataclass
class Route:
    body: bytes
    etag: str | None = None
    # Faults: cut the body after `cut_at` bytes this many more times; wait before the body.
    cut_times: int = 0
    cut_at: int = 0
    delay: float = 0.0
    honour_range: bool = True
    # Answer with this status and no body (a server in trouble).
    status: int | None = None
    # Send the body a byte at a time, this many seconds apart (a slow or hostile server).
    trickle: float = 0.0
    # Extra response headers (e.g. a Content-Encoding nobody asked for).
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    if_none_match: str | None
    status: int = 0


@dataclass
class Server:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def close(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


def cache_dir(test: unittest.TestCase) -> str:
    """A scratch cache folder for one test, removed after it."""
    path = tempfile.mkdtemp(prefix="fiab-registry-test-")
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path


def serve(routes: dict[str, Route] | None = None) -> Server:
    server = Server(routes=dict(routes or {}))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            record = Request("GET", path, self.headers.get("Range"), self.headers.get("If-None-Match"))
            server.log.append(record)
            route = server.routes.get(path)
            if route is None:
                record.status = 404
                self._send(404, {}, b"not found")
                return
            if route.status is not None:
                record.status = route.status
                self._send(route.status, {}, b"")
                return
            etag = route.etag or '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if record.if_none_match == etag:
                record.status = 304
                self._send(304, {"ETag": etag}, b"")
                return
            body, status, headers = route.body, 200, {"ETag": etag, "Accept-Ranges": "bytes", **route.headers}
            if record.range and route.honour_range and record.range.startswith("bytes=") and record.range.endswith("-"):
                start = int(record.range[6:-1])
                if start >= len(body):
                    record.status = 416
                    self._send(416, {"Content-Range": f"bytes */{len(body)}"}, b"")
                    return
                status, body = 206, body[start:]
                headers["Content-Range"] = f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"
            record.status = status
            if route.delay:
                time.sleep(route.delay)
            if route.trickle:
                self.send_response(status)
                for k, v in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(route.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: what the test wants
                self.close_connection = True
                return
            if route.cut_times > 0:
                route.cut_times -= 1
                # Announce the whole length, send part of it, then drop the connection.
                self.send_response(status)
                for k, v in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body[: route.cut_at])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size cap): what the test wants

    server.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.httpd.daemon_threads = True
    threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


def real_entries(*ids: str) -> dict[str, dict]:
    names = ids or tuple(sorted(p.stem for p in ENTRIES.glob("*.json")))
    return {i: json.loads((ENTRIES / f"{i}.json").read_text()) for i in names}


def registry_document(entries: dict[str, dict], **extra: object) -> bytes:
    return json.dumps({"schemaVersion": 1, **extra, "checkpoints": entries}, indent=2).encode()


def with_checkpoint(entry: dict, url: str, data: bytes, sha256: str | None = None) -> dict:
    """The entry, its source pointed at `data` served at `url`."""
    out = copy.deepcopy(entry)
    out["source"] = {**out["source"], "url": url, "sizeBytes": len(data), "sha256": sha256 or hashlib.sha256(data).hexdigest()}
    return out


def checkpoint_bytes(size: int = 3 * 1024 * 1024 + 17) -> bytes:
    return os.urandom(size)


class Signer:
    """An Ed25519 key pair (cryptography) writing .sig files in the published format."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key = Ed25519PrivateKey.generate()
        public = self._key.public_key()
        self.raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.base64 = base64.b64encode(self.raw).decode()
        self.key_id = hashlib.sha256(self.raw).hexdigest()[:16]

    def signature(self, data: bytes) -> dict:
        return {"keyId": self.key_id, "algorithm": "ed25519", "signature": base64.b64encode(self._key.sign(data)).decode()}

    def sig_file(self, data: bytes, *others: "Signer") -> bytes:
        return json.dumps({"signatures": [o.signature(data) for o in others] + [self.signature(data)]}).encode()


def cryptography_missing() -> str | None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return "python3-cryptography is not installed"
    return None
