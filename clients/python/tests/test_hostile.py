"""The client against hostile hosts and servers on 127.0.0.1: rollbacks to an older signed document, ids that would
leave the cache, lone surrogates, a byte a second in headers or bodies, compressed bodies nobody asked for, and
symbolic links planted in the checkpoint cache. Nothing hangs, nothing is written where it should not be, and every
refusal names the URL or the file and what was wrong."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import threading
import time
import unittest
import warnings
from pathlib import Path

from fiab_model_registry import DownloadError, IntegrityError, NetworkError, Registry, ResponseError, RollbackError, read_registry

from .support import CASES, Route, Signer, cache_dir, checkpoint_bytes, cryptography_missing, real_entries, registry_document, serve, with_checkpoint

NO_CRYPTO = cryptography_missing() if not os.environ.get("CI") else None
DOC = "/modelRegistry.json"
ID = "aifs-global-o48"


class HostileTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = serve()
        self.addCleanup(self.server.close)
        self.cache = cache_dir(self)

    def registry(self, **options: object) -> Registry:
        return Registry(self.server.base, cache_dir=self.cache, **options)  # type: ignore[arg-type]

    def publish(self, document: bytes, signer: "Signer | None" = None) -> None:
        self.server.routes[DOC] = Route(document)
        if signer is not None:
            self.server.routes[DOC + ".sig"] = Route(signer.sig_file(document))


@unittest.skipIf(NO_CRYPTO, f"skipping rollback tests: {NO_CRYPTO} (CI is unset)")
class Rollbacks(HostileTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.signer = Signer()
        self.entries = real_entries("imerg-gt")

    def test_an_older_signed_document_is_refused_saying_what_and_the_newer_one_is_kept(self) -> None:
        newer = registry_document(self.entries, revision=2)
        self.publish(newer, self.signer)
        self.assertEqual(self.registry(public_key=self.signer.pem).checkpoints().keys(), {"imerg-gt"})
        self.publish(registry_document(self.entries, revision=1), self.signer)
        with self.assertRaisesRegex(
            RollbackError,
            rf"^{self.server.base}/modelRegistry\.json: refused an older registry document than the one held since \S+ \(a rollback\): "
            r"its revision 1 is older than revision 2, the document held; pass allow_rollback=True to accept it$",
        ):
            self.registry(public_key=self.signer.pem).checkpoints()
        # The cache still holds revision 2: served again, it is a 304.
        self.publish(newer, self.signer)
        registry = self.registry(public_key=self.signer.pem)
        registry.checkpoints()
        self.assertTrue(registry.from_cache)
        self.assertEqual(registry.revision, 2)

    def test_allow_rollback_takes_it(self) -> None:
        self.publish(registry_document(self.entries, revision=2))
        self.registry().checkpoints()
        self.publish(registry_document(self.entries, revision=1))
        registry = self.registry(allow_rollback=True)
        registry.checkpoints()
        self.assertEqual(registry.revision, 1)

    def test_a_static_site_is_ordered_by_published_at(self) -> None:
        self.publish(registry_document(self.entries, revision="b2c3d4e", publishedAt="2026-11-28T12:00:00Z"))
        self.registry().checkpoints()
        self.publish(registry_document(self.entries, revision="a1b2c3d", publishedAt="2026-11-28T11:59:59Z"))
        with self.assertRaisesRegex(RollbackError, r"it was published at 2026-11-28T11:59:59Z \(revision a1b2c3d\), before 2026-11-28T12:00:00Z \(revision b2c3d4e\), the document held"):
            self.registry().checkpoints()
        self.publish(registry_document(self.entries, revision="c3d4e5f"))
        with self.assertRaisesRegex(RollbackError, r"it has no publishedAt, and the document held was published at 2026-11-28T12:00:00Z"):
            self.registry().checkpoints()
        self.publish(registry_document(self.entries, revision="d4e5f6a", publishedAt="2026-11-28T12:00:00Z"))
        self.assertEqual(self.registry().checkpoints().keys(), {"imerg-gt"})

    def test_a_cache_without_the_recorded_ordering_is_read_from_its_body(self) -> None:
        self.publish(registry_document(self.entries, revision=42))
        first = self.registry()
        first.checkpoints()
        meta = first._registry_dir / "meta.json"
        recorded = json.loads(meta.read_text())
        meta.write_text(json.dumps({k: v for k, v in recorded.items() if k not in ("revision", "publishedAt")}))
        self.publish(registry_document(self.entries, revision=9))
        with self.assertRaisesRegex(RollbackError, r"its revision 9 is older than revision 42"):
            self.registry().checkpoints()

    def test_the_command_line_refuses_with_exit_1_and_takes_allow_rollback(self) -> None:
        import subprocess
        import sys

        root = Path(__file__).resolve().parents[1]
        run = lambda *args: subprocess.run([sys.executable, "-m", "fiab_model_registry", "--url", self.server.base, "--cache-dir", self.cache, *args], cwd=root, capture_output=True, text=True, timeout=60)  # noqa: E731
        self.publish(registry_document(self.entries, revision=5))
        self.assertEqual(run("list").returncode, 0)
        self.publish(registry_document(self.entries, revision=4))
        refused = run("list")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("its revision 4 is older than revision 5", refused.stderr)
        self.assertEqual(run("--allow-rollback", "list").returncode, 0)


class SharedReadingCases(unittest.TestCase):
    """tests/fixtures/compatibility-cases.json's reading cases, which the TypeScript client passes too."""

    def test_every_case(self) -> None:
        shared = json.loads(CASES.read_text())
        self.assertGreaterEqual(len(shared["reading"]["cases"]), 2)
        for case in shared["reading"]["cases"]:
            with self.subTest(case["name"]):
                checkpoints = {i: {**shared["minimalEntry"], **entry} for i, entry in case["checkpoints"].items()}
                entries, skipped = read_registry({"schemaVersion": 1, "checkpoints": checkpoints})
                self.assertEqual(sorted(entries), sorted(case["kept"]))
                self.assertEqual(len(skipped), len(case["skipped"]))
                for checkpoint_id in case["skipped"]:
                    printable = checkpoint_id.encode("utf-8", "backslashreplace").decode()[:200]
                    self.assertTrue(any(w.startswith(f"{printable}: skipped:") for w in skipped), (checkpoint_id, skipped))
                for checkpoint_id, field in case.get("warningMentions", {}).items():
                    self.assertIn(field, next(w for w in skipped if w.startswith(f"{checkpoint_id}:")))

    def test_an_id_that_would_leave_the_cache_is_skipped_with_a_warning(self) -> None:
        server = serve()
        self.addCleanup(server.close)
        entries = real_entries("imerg-gt")
        entries["../../../../tmp/x"] = entries["imerg-gt"]
        server.routes[DOC] = Route(registry_document(entries))
        with self.assertWarnsRegex(UserWarning, r'\.\./\.\./\.\./\.\./tmp/x: skipped: "\.\./\.\./\.\./\.\./tmp/x" is not a checkpoint id'):
            read = Registry(server.base, cache_dir=cache_dir(self)).checkpoints()
        self.assertEqual(list(read), ["imerg-gt"])


class SlowServers(HostileTestCase):
    def test_a_document_at_a_byte_a_second_stops_within_the_timeout(self) -> None:
        self.server.routes[DOC] = Route(registry_document(real_entries("imerg-gt")), trickle=1.0)
        started = time.monotonic()
        with self.assertRaisesRegex(NetworkError, rf"{self.server.base}/modelRegistry\.json: not answered whole within 2 s \(the timeout bounds the whole exchange\), after \d bytes"):
            self.registry(timeout=2).checkpoints()
        self.assertLess(time.monotonic() - started, 5)

    def test_headers_at_a_byte_a_second_stop_within_the_timeout(self) -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        self.addCleanup(listener.close)

        def trickle() -> None:
            conn, _ = listener.accept()
            with conn:
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 1000:
                        conn.sendall(bytes([byte]))
                        time.sleep(0.5)
                except OSError:
                    pass

        threading.Thread(target=trickle, daemon=True).start()
        started = time.monotonic()
        with self.assertRaisesRegex(NetworkError, r"not answered whole within 2 s"):
            Registry(f"http://127.0.0.1:{listener.getsockname()[1]}", cache_dir=self.cache, timeout=2).checkpoints()
        self.assertLess(time.monotonic() - started, 5)

    def test_a_checkpoint_at_a_byte_a_second_stops_once_the_grace_period_is_over(self) -> None:
        data = checkpoint_bytes(100_000)
        entry = with_checkpoint(real_entries(ID)[ID], self.server.base + "/slow.ckpt", data)
        self.server.routes[DOC] = Route(registry_document({ID: entry}))
        self.server.routes["/slow.ckpt"] = Route(data, trickle=0.2)
        started = time.monotonic()
        with self.assertRaisesRegex(DownloadError, rf"{ID}: download stopped at \d+ bytes \(.*/slow\.ckpt: too slow: \d+ bytes in [\d.]+ s, under the minimum average of 1024 bytes/s required after 1 s"):
            self.registry(min_download_rate=1024, download_grace=1, retries=3).get_checkpoint_realpath(ID)
        self.assertLess(time.monotonic() - started, 6)
        self.assertEqual(len(self.server.requests("/slow.ckpt")), 1)  # not retried


class CompressedBodies(HostileTestCase):
    def test_a_gzip_document_nobody_asked_for_is_refused(self) -> None:
        body = gzip.compress(registry_document(real_entries("imerg-gt")))
        self.server.routes[DOC] = Route(body, headers={"Content-Encoding": "gzip"})
        with self.assertRaisesRegex(ResponseError, r"modelRegistry\.json: the server sent Content-Encoding 'gzip' although identity was asked for; refused without decoding it"):
            self.registry().checkpoints()

    def test_a_gzip_checkpoint_is_refused_and_nothing_is_kept(self) -> None:
        data = checkpoint_bytes(50_000)
        entry = with_checkpoint(real_entries(ID)[ID], self.server.base + "/z.ckpt", data)
        self.server.routes[DOC] = Route(registry_document({ID: entry}))
        self.server.routes["/z.ckpt"] = Route(gzip.compress(bytes(64 * 1024 * 1024)), headers={"Content-Encoding": "gzip"})
        with self.assertRaisesRegex(ResponseError, r"z\.ckpt: the server sent Content-Encoding 'gzip'"):
            self.registry().get_checkpoint_realpath(ID)
        leftovers = [p for p in Path(self.cache, "checkpoints").iterdir() if not p.name.endswith(".lock") and p.stat().st_size > 0]
        self.assertEqual(leftovers, [])


class PlantedLinks(HostileTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.data = checkpoint_bytes(300_000)
        entry = with_checkpoint(real_entries(ID)[ID], self.server.base + "/m.ckpt", self.data)
        self.server.routes[DOC] = Route(registry_document({ID: entry}))
        self.server.routes["/m.ckpt"] = Route(self.data)
        self.folder = Path(self.cache, "checkpoints")
        self.folder.mkdir(parents=True)
        self.name = hashlib.sha256(self.data).hexdigest()
        self.victim = Path(cache_dir(self), "victim")
        self.victim.write_bytes(b"keep me")

    def test_a_part_link_is_removed_not_followed(self) -> None:
        (self.folder / f"{self.name}.part").symlink_to(self.victim)
        with self.assertWarnsRegex(UserWarning, r"\.part: not a regular file \(a symbolic link\?\) in the checkpoint cache; removed, not followed"):
            path = self.registry().get_checkpoint_realpath(ID)
        self.assertEqual(self.victim.read_bytes(), b"keep me")
        self.assertEqual(path.read_bytes(), self.data)
        self.assertEqual(path, (self.folder / self.name).resolve())

    def test_a_link_at_the_finished_name_is_not_handed_out(self) -> None:
        (self.folder / self.name).symlink_to(self.victim)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            path = self.registry().get_checkpoint_realpath(ID)
        self.assertFalse((self.folder / self.name).is_symlink())
        self.assertEqual(path.read_bytes(), self.data)
        self.assertEqual(self.victim.read_bytes(), b"keep me")

    def test_a_lock_link_is_not_followed(self) -> None:
        target = Path(cache_dir(self), "created-elsewhere")
        (self.folder / f"{self.name}.lock").symlink_to(target)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            self.registry().get_checkpoint_realpath(ID)
        self.assertFalse(target.exists())
        self.assertFalse((self.folder / f"{self.name}.lock").is_symlink())

    def test_a_resumed_part_is_checked_like_any_download(self) -> None:
        (self.folder / f"{self.name}.part").write_bytes(b"\0" * 1000)
        with self.assertRaisesRegex(IntegrityError, r"SHA-256 of the download is [0-9a-f]{64}, the entry's source\.sha256 is"):
            self.registry().get_checkpoint_realpath(ID)


class ServerUrls(unittest.TestCase):
    def test_a_server_base_url_or_its_checkpoints_route_reads_the_checkpoints_route(self) -> None:
        cache = cache_dir(self)
        for url in ("https://registry.example.org/api/v1", "https://registry.example.org/api/v1/", "https://registry.example.org/api/v1/checkpoints"):
            registry = Registry(url, cache_dir=cache)
            self.assertTrue(registry.server)
            self.assertEqual(registry.document_url, "https://registry.example.org/api/v1/checkpoints")
        static = Registry("https://example.org/registry/", cache_dir=cache)
        self.assertFalse(static.server)
        self.assertEqual(static.document_url, "https://example.org/registry/modelRegistry.json")

    def test_a_server_has_no_signatures_and_no_pins(self) -> None:
        with self.assertRaisesRegex(ValueError, r"public_key: https://r\.example\.org/api/v1 is a registry server, which does not sign its documents"):
            Registry("https://r.example.org/api/v1", public_key="AAAA")
        with self.assertRaisesRegex(ValueError, r"revision: .* is a registry server"):
            Registry("https://r.example.org/api/v1", revision="0" * 64)


if __name__ == "__main__":
    unittest.main()
