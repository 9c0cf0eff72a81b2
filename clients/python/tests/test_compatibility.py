"""Compatibility with a host: the cases shared with the TypeScript client, and the real entries."""

from __future__ import annotations

import json
import platform
import unittest

from fiab_model_registry import Host, compatibility, fit, read_entry
from fiab_model_registry.compatibility import gib_text

from .support import CASES, real_entries


def host_of(case: dict) -> Host:
    h = case["host"]
    return Host(os=h.get("os"), arch=h.get("arch"), python=h.get("python"), gpu_memory_mib=h.get("gpuMemoryMib"))


class SharedCases(unittest.TestCase):
    def test_every_case_agrees_with_the_typescript_client(self) -> None:
        doc = json.loads(CASES.read_text())
        self.assertGreaterEqual(len(doc["cases"]), 15)
        for case in doc["cases"]:
            with self.subTest(case["name"]):
                entry, warning = read_entry("case", {**doc["minimalEntry"], **case["entry"]})
                self.assertIsNone(warning)
                assert entry is not None
                got = fit(entry, host_of(case))
                self.assertEqual(
                    {"compatible": got.fits, "detail": " ".join(got.reasons) or None, "caveats": got.caveats},
                    case["expected"],
                )
                self.assertEqual(compatibility(entry, host_of(case)), (case["expected"]["compatible"], case["expected"]["detail"]))

    def test_gib_text_rounds_like_javascript(self) -> None:
        self.assertEqual([gib_text(m) for m in (24576, 2000, 128, 1536, 1, 5)], ["24 GiB", "1.95 GiB", "0.13 GiB", "1.5 GiB", "0.0 GiB", "0.0 GiB"])


class RealEntries(unittest.TestCase):
    def read(self) -> dict:
        out = {}
        for checkpoint_id, doc in real_entries().items():
            entry, warning = read_entry(checkpoint_id, doc)
            self.assertIsNone(warning)
            out[checkpoint_id] = entry
        return out

    def excluded(self, host: Host) -> dict[str, str]:
        return {i: d for i, e in self.read().items() for ok, d in [compatibility(e, host)] if not ok}

    def test_a_mac_excludes_the_linux_only_entries_saying_so(self) -> None:
        out = self.excluded(Host(os="macos", arch="aarch64", python="3.12", gpu_memory_mib=16 * 1024))
        self.assertEqual(sorted(out), ["aifs-ens-crps-1.0_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn_aarch64", "imerg-gt"])
        self.assertEqual(out["imerg-gt"], "Runs on Linux only; this machine runs macOS.")

    def test_python_3_11_on_linux_excludes_the_version_specific_wheels(self) -> None:
        out = self.excluded(Host(os="linux", arch="x86_64", python="3.11", gpu_memory_mib=24 * 1024))
        self.assertEqual(out["aifs-ens-crps-1.0_w_flash_attn"], "Installs on Python 3.10 only (a version-specific wheel); this machine has Python 3.11.")
        self.assertEqual(out["aifs-single-mse-1.1_w_flash_attn"], "Installs on Python 3.12 only (a version-specific wheel); this machine has Python 3.11.")
        self.assertEqual(sorted(out), ["aifs-ens-crps-1.0_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn", "aifs-single-mse-1.1_w_flash_attn_aarch64"])

    def test_a_small_gpu_excludes_bris_europe(self) -> None:
        out = self.excluded(Host(os="linux", arch="x86_64", python="3.12", gpu_memory_mib=1024))
        self.assertEqual(out["BRIS-Europe-2025.10"], "Needs 1.95 GiB of GPU memory; this machine has 1 GiB.")


class Detection(unittest.TestCase):
    def test_detects_this_machine_in_the_registry_terms(self) -> None:
        host = Host.detect()
        self.assertEqual(host.os, {"Linux": "linux", "Darwin": "macos"}.get(platform.system(), platform.system().lower()))
        self.assertIn(host.arch, ("x86_64", "aarch64", platform.machine().lower()))
        self.assertRegex(host.python or "", r"^3\.\d+$")
        self.assertIsInstance(host.gpu_memory_mib, int)


if __name__ == "__main__":
    unittest.main()
