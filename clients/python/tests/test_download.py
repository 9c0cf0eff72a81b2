"""Checkpoint downloads over real HTTP: verified, resumed, refused when wrong, and done once across processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import unittest
from pathlib import Path

from fiab_model_registry import DownloadError, IntegrityError, Registry

from .support import Route, cache_dir, checkpoint_bytes, real_entries, registry_document, serve, with_checkpoint

DOC = "/modelRegistry.json"
FILE = "/files/aifs-global-o48.ckpt"
ID = "aifs-global-o48"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class DownloadTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = serve()
        self.addCleanup(self.server.close)
        self.cache = cache_dir(self)
        self.data = checkpoint_bytes()
        self.publish()

    def publish(self, sha256: str | None = None, size: int | None = None) -> None:
        entry = with_checkpoint(real_entries(ID)[ID], self.server.base + FILE, self.data, sha256)
        if size is not None:
            entry["source"]["sizeBytes"] = size
        self.server.routes[DOC] = Route(registry_document({ID: entry}))
        self.server.routes.setdefault(FILE, Route(self.data))

    def registry(self, **options: object) -> Registry:
        return Registry(self.server.base, cache_dir=self.cache, **options)  # type: ignore[arg-type]

    def gets(self) -> list:
        return self.server.requests(FILE)


class Downloads(DownloadTestCase):
    def test_downloads_verifies_and_then_serves_from_the_cache(self) -> None:
        seen: list[tuple[int, int | None]] = []
        path = self.registry().get_checkpoint_realpath(ID, progress=lambda done, total: seen.append((done, total)))
        self.assertEqual(path.read_bytes(), self.data)
        self.assertEqual(path.name, hashlib.sha256(self.data).hexdigest())
        self.assertEqual(seen[-1], (len(self.data), len(self.data)))
        self.assertEqual(self.registry().get_checkpoint_realpath(ID), path)
        self.assertEqual(len(self.gets()), 1)
        self.assertEqual(sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")), [path.name])

    def test_an_interrupted_download_resumes_with_a_range_request(self) -> None:
        cut = 1024 * 1024
        self.server.routes[FILE] = Route(self.data, cut_times=1, cut_at=cut)
        with self.assertRaisesRegex(DownloadError, rf"{ID}: download interrupted at {cut} bytes .* calling again resumes"):
            self.registry(retries=0).get_checkpoint_realpath(ID)
        part = Path(self.cache, "checkpoints", hashlib.sha256(self.data).hexdigest() + ".part")
        self.assertEqual(part.stat().st_size, cut)
        path = self.registry().get_checkpoint_realpath(ID)
        self.assertEqual(path.read_bytes(), self.data)
        self.assertFalse(part.exists())
        self.assertEqual([(r.range, r.status) for r in self.gets()], [(None, 200), (f"bytes={cut}-", 206)])

    def test_retries_resume_within_one_call(self) -> None:
        self.server.routes[FILE] = Route(self.data, cut_times=2, cut_at=500_000)
        path = self.registry(retries=3).get_checkpoint_realpath(ID)
        self.assertEqual(path.read_bytes(), self.data)
        self.assertEqual([r.range for r in self.gets()], [None, "bytes=500000-", "bytes=1000000-"])

    def test_a_server_ignoring_the_range_restarts_from_the_start(self) -> None:
        self.server.routes[FILE] = Route(self.data, cut_times=1, cut_at=1000, honour_range=False)
        path = self.registry(retries=1).get_checkpoint_realpath(ID)
        self.assertEqual(path.read_bytes(), self.data)
        self.assertEqual([(r.range, r.status) for r in self.gets()], [(None, 200), ("bytes=1000-", 200), (None, 200)])

    def test_a_wrong_sha256_is_refused_and_the_file_removed(self) -> None:
        wrong = hashlib.sha256(b"something else").hexdigest()
        self.publish(sha256=wrong)
        with self.assertRaisesRegex(IntegrityError, rf"SHA-256 of the download is {hashlib.sha256(self.data).hexdigest()}, the entry's source.sha256 is {wrong}; the file was removed"):
            self.registry().get_checkpoint_realpath(ID)
        self.assertEqual([p.name for p in Path(self.cache, "checkpoints").iterdir() if not p.name.endswith(".lock")], [])

    def test_a_wrong_size_is_refused(self) -> None:
        self.publish(size=len(self.data) + 1)
        with self.assertRaisesRegex(IntegrityError, rf"downloaded {len(self.data)} bytes, the entry's source.sizeBytes is {len(self.data) + 1}"):
            self.registry().get_checkpoint_realpath(ID)

    def test_more_bytes_than_announced_are_refused(self) -> None:
        self.publish(size=len(self.data) - 1)
        with self.assertRaisesRegex(IntegrityError, rf"{ID}: .*: more than the {len(self.data) - 1} bytes announced; the file was removed"):
            self.registry().get_checkpoint_realpath(ID)
        self.assertEqual([p.name for p in Path(self.cache, "checkpoints").iterdir() if not p.name.endswith(".lock")], [])

    def test_an_unknown_id_names_the_registry(self) -> None:
        with self.assertRaisesRegex(KeyError, r"no-such-model: no such checkpoint in http://127\.0\.0\.1:\d+/modelRegistry\.json"):
            self.registry().get_checkpoint_realpath("no-such-model")


class AcrossProcesses(DownloadTestCase):
    def test_two_processes_fetching_at_once_download_once(self) -> None:
        self.server.routes[FILE] = Route(self.data, delay=0.5)
        code = "import sys; from fiab_model_registry import Registry; print(Registry(sys.argv[1], cache_dir=sys.argv[2]).get_checkpoint_realpath(sys.argv[3]))"
        procs = [subprocess.Popen([sys.executable, "-c", code, self.server.base, self.cache, ID], cwd=PACKAGE_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(outs[0][0], outs[1][0])
        self.assertEqual(Path(outs[0][0].strip()).read_bytes(), self.data)
        self.assertEqual(len(self.gets()), 1)

    def test_wait_for_returns_once_another_download_finishes(self) -> None:
        self.server.routes[FILE] = Route(self.data, delay=0.3)
        downloader = threading.Thread(target=self.registry().get_checkpoint_realpath, args=(ID,))
        downloader.start()
        path = self.registry().wait_for(ID, timeout=30)
        downloader.join()
        self.assertEqual(path.read_bytes(), self.data)

    def test_wait_for_times_out_when_nobody_downloads(self) -> None:
        with self.assertRaisesRegex(TimeoutError, rf"{ID}: not in the cache"):
            self.registry().wait_for(ID, timeout=0.3)


if __name__ == "__main__":
    unittest.main()
