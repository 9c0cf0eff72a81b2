"""python -m fiab_model_registry as a shell user runs it: output, exit codes, messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unittest
from pathlib import Path

from .support import Route, Signer, cache_dir, checkpoint_bytes, cryptography_missing, real_entries, registry_document, serve, with_checkpoint

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
NO_CRYPTO = cryptography_missing() if not os.environ.get("CI") else None
ID = "aifs-global-o48"


class CommandLine(unittest.TestCase):
    def setUp(self) -> None:
        self.server = serve()
        self.addCleanup(self.server.close)
        self.cache = cache_dir(self)
        self.data = checkpoint_bytes(200_000)
        entries = real_entries()
        entries[ID] = with_checkpoint(entries[ID], self.server.base + "/o48.ckpt", self.data)
        self.document = registry_document(entries)
        self.server.routes["/modelRegistry.json"] = Route(self.document)
        self.server.routes["/o48.ckpt"] = Route(self.data)

    def run_cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fiab_model_registry", "--url", self.server.base, "--cache-dir", self.cache, *args],
            cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})},
        )

    def test_list_says_which_fit_this_host_and_why_not(self) -> None:
        done = self.run_cli("--json", "list")
        self.assertEqual(done.returncode, 0, done.stderr)
        rows = {r["id"]: r for r in json.loads(done.stdout)["checkpoints"]}
        self.assertEqual(sorted(rows), sorted(real_entries()))
        self.assertEqual(rows["aifs-single-mse-1.1_w_flash_attn_aarch64"]["compatible"], os.uname().machine == "aarch64")
        text = self.run_cli("list")
        self.assertIn("aifs-single-mse-1.1_w_flash_attn_aarch64", text.stdout)

    def test_show_and_fetch(self) -> None:
        shown = self.run_cli("show", ID)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn(f"{ID}: ", shown.stdout)
        fetched = self.run_cli("--json", "fetch", ID)
        self.assertEqual(fetched.returncode, 0, fetched.stderr)
        self.assertEqual(Path(json.loads(fetched.stdout)["path"]).read_bytes(), self.data)
        self.assertIn("100% of 200000 bytes", fetched.stderr)

    def test_options_after_the_command_too(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "fiab_model_registry", "list", "--json", "--url", self.server.base, "--cache-dir", self.cache],
            cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=60,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(sorted(r["id"] for r in json.loads(done.stdout)["checkpoints"]), sorted(real_entries()))
        # What was given before the command is not undone by the command's own (unset) copy of the option.
        before = self.run_cli("fetch", ID, "--json")
        self.assertEqual(before.returncode, 0, before.stderr)
        self.assertEqual(Path(json.loads(before.stdout)["path"]).read_bytes(), self.data)

    def test_an_unknown_id_exits_2_naming_it(self) -> None:
        done = self.run_cli("show", "no-such-model")
        self.assertEqual(done.returncode, 2)
        self.assertIn("no-such-model: no such checkpoint", done.stderr)

    def test_no_url_exits_2(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "FIAB_MODEL_REGISTRY_URL"}
        done = subprocess.run([sys.executable, "-m", "fiab_model_registry", "list"], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(done.returncode, 2)
        self.assertIn("--url", done.stderr)

    @unittest.skipIf(NO_CRYPTO, f"skipping: {NO_CRYPTO} (CI is unset)")
    def test_a_bad_signature_exits_1(self) -> None:
        signer = Signer()
        key = Path(self.cache, "key.pem")
        key.write_text(signer.pem)
        self.server.routes["/modelRegistry.json.sig"] = Route(signer.sig_file(self.document + b"\n"))
        done = self.run_cli("--public-key", str(key), "list")
        self.assertEqual(done.returncode, 1)
        self.assertIn("does not match the document's bytes", done.stderr)
        self.server.routes["/modelRegistry.json.sig"] = Route(signer.sig_file(self.document))
        self.assertEqual(self.run_cli("--public-key", signer.base64, "list").returncode, 0)


if __name__ == "__main__":
    unittest.main()
