"""The checkpoint list over real HTTP: conditional GETs, the cache when offline, tolerance, signatures, pins."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unittest
import warnings

from fiab_model_registry import Registry, ResponseError, SignatureError
from fiab_model_registry.errors import NetworkError

from .support import Route, Signer, cache_dir, cryptography_missing, real_entries, registry_document, serve

NO_CRYPTO = cryptography_missing() if not os.environ.get("CI") else None
DOC = "/modelRegistry.json"


class RegistryTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = serve()
        self.addCleanup(self.server.close)
        self.cache = cache_dir(self)
        self.entries = real_entries()
        self.document = registry_document(self.entries, revision="3f2a9c1", publishedAt="2026-11-28T10:00:00Z")
        self.server.routes[DOC] = Route(self.document)

    def registry(self, **options: object) -> Registry:
        return Registry(self.server.base, cache_dir=self.cache, **options)  # type: ignore[arg-type]


class ConditionalFetch(RegistryTestCase):
    def test_reads_every_real_entry_with_revision_and_time(self) -> None:
        registry = self.registry()
        self.assertEqual(sorted(registry.checkpoints()), sorted(self.entries))
        self.assertEqual(registry.revision, "3f2a9c1")
        self.assertEqual(registry.published_at, "2026-11-28T10:00:00Z")
        entry = registry.checkpoints()["BRIS-Europe-2025.10"]
        self.assertEqual(entry.minimum_gpu_memory_mib, 2000)
        self.assertEqual(entry.supported_os, ["linux", "macos"])

    def test_second_start_sends_the_etag_and_a_304_reuses_the_cache(self) -> None:
        first = self.registry()
        first.checkpoints()
        self.assertFalse(first.from_cache)
        second = self.registry()
        self.assertEqual(sorted(second.checkpoints()), sorted(self.entries))
        self.assertTrue(second.from_cache)
        requests = self.server.requests(DOC)
        self.assertEqual([r.status for r in requests], [200, 304])
        self.assertIsNone(requests[0].if_none_match)
        self.assertIsNotNone(requests[1].if_none_match)

    def test_a_changed_document_replaces_the_cache(self) -> None:
        self.registry().checkpoints()
        fewer = {k: v for k, v in self.entries.items() if k != "imerg-gt"}
        self.server.routes[DOC] = Route(registry_document(fewer, revision="9e1d2b7", publishedAt="2026-11-29T10:00:00Z"))
        registry = self.registry()
        self.assertNotIn("imerg-gt", registry.checkpoints())
        self.assertEqual(registry.revision, "9e1d2b7")
        self.assertEqual([r.status for r in self.server.requests(DOC)], [200, 200])

    def test_older_documents_without_revision_or_time_are_read(self) -> None:
        self.server.routes[DOC] = Route(registry_document(real_entries("imerg-gt")))
        registry = self.registry()
        self.assertEqual(list(registry.checkpoints()), ["imerg-gt"])
        self.assertIsNone(registry.revision)
        self.assertIsNone(registry.published_at)

    def test_network_down_uses_the_cached_copy_with_its_age(self) -> None:
        self.registry().checkpoints()
        self.server.close()
        with self.assertWarnsRegex(UserWarning, r"unreachable .* using the cached copy fetched \d+ seconds? ago"):
            registry = self.registry(timeout=5)
            self.assertEqual(sorted(registry.checkpoints()), sorted(self.entries))
        self.assertTrue(registry.from_cache)

    def test_network_down_without_a_cache_is_an_error(self) -> None:
        self.server.close()
        with self.assertRaisesRegex(NetworkError, r"127\.0\.0\.1"):
            self.registry(timeout=5).checkpoints()

    def test_a_server_error_falls_back_to_the_cache_but_a_404_does_not(self) -> None:
        self.registry().checkpoints()
        self.server.routes[DOC] = Route(b"", status=503)
        with self.assertWarnsRegex(UserWarning, r"answered 503\); using the cached copy"):
            self.assertEqual(len(self.registry().checkpoints()), len(self.entries))
        del self.server.routes[DOC]
        with self.assertRaisesRegex(ResponseError, "answered 404"):
            self.registry().checkpoints()

    def test_the_response_size_is_capped(self) -> None:
        with self.assertRaisesRegex(ResponseError, r"more than the 1000 this client accepts"):
            self.registry(max_registry_bytes=1000).checkpoints()

    def test_a_document_that_is_not_json_names_the_url(self) -> None:
        self.server.routes[DOC] = Route(b"<html>maintenance</html>")
        with self.assertRaisesRegex(ResponseError, r"modelRegistry\.json: not JSON"):
            self.registry().checkpoints()


class Tolerance(RegistryTestCase):
    def test_an_entry_for_a_newer_schema_version_is_skipped_with_a_warning(self) -> None:
        entries = real_entries("imerg-gt", "aila-v2")
        entries["aila-v2"]["schemaVersion"] = 2
        self.server.routes[DOC] = Route(registry_document(entries))
        with self.assertWarnsRegex(UserWarning, r"aila-v2: skipped: written for schema version 2, this reader knows up to 1"):
            registry = self.registry()
            self.assertEqual(list(registry.checkpoints()), ["imerg-gt"])
        self.assertEqual(len(registry.warnings), 1)

    def test_unknown_fields_are_ignored_and_unknown_enum_values_read_as_unknown(self) -> None:
        entries = real_entries("imerg-gt")
        entry = entries["imerg-gt"]
        entry["futureField"] = {"anything": 1}
        entry["infrastructure"]["supportedOs"] = ["linux", "haiku"]
        entry["compatibility"] = {"linux-x86_64-cuda": {"status": "wobbly", "statusRule": 1, "evidence": []}}
        self.server.routes[DOC] = Route(registry_document(entries))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            read = self.registry().checkpoints()["imerg-gt"]
        self.assertEqual(read.supported_os, ["linux", "unknown"])
        self.assertEqual(read.platforms, {"linux-x86_64-cuda": "unknown"})

    def test_an_entry_with_a_wrong_type_is_skipped_naming_the_field(self) -> None:
        entries = real_entries("imerg-gt", "aila-v2")
        entries["aila-v2"]["source"]["sizeBytes"] = "big"
        self.server.routes[DOC] = Route(registry_document(entries))
        with self.assertWarnsRegex(UserWarning, r"aila-v2: skipped: source\.sizeBytes: expected a non-negative integer, found 'big'"):
            self.assertEqual(list(self.registry().checkpoints()), ["imerg-gt"])


@unittest.skipIf(NO_CRYPTO, f"skipping signature tests: {NO_CRYPTO} (CI is unset)")
class Signatures(RegistryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.signer = Signer()
        self.server.routes[DOC + ".sig"] = Route(self.signer.sig_file(self.document))

    def test_a_signed_document_verifies_with_a_pem_or_a_base64_key(self) -> None:
        self.assertEqual(len(self.registry(public_key=self.signer.pem).checkpoints()), len(self.entries))
        self.assertEqual(len(self.registry(public_key=self.signer.base64).checkpoints()), len(self.entries))

    def test_one_byte_changed_after_signing_is_refused(self) -> None:
        tampered = bytearray(self.document)
        at = tampered.index(b"linux")
        tampered[at] = ord("L")
        self.server.routes[DOC] = Route(bytes(tampered))
        with self.assertRaisesRegex(SignatureError, r"does not match the document's bytes"):
            self.registry(public_key=self.signer.pem).checkpoints()

    def test_a_tampered_update_is_refused_even_with_a_good_cache(self) -> None:
        self.registry(public_key=self.signer.pem).checkpoints()
        self.server.routes[DOC] = Route(self.document.replace(b'"linux"', b'"LINUX"', 1))
        with self.assertRaises(SignatureError):
            self.registry(public_key=self.signer.pem).checkpoints()

    def test_a_missing_signature_is_refused(self) -> None:
        del self.server.routes[DOC + ".sig"]
        with self.assertRaisesRegex(SignatureError, r"modelRegistry\.json\.sig: missing"):
            self.registry(public_key=self.signer.pem).checkpoints()

    def test_a_signature_by_another_key_is_refused(self) -> None:
        other = Signer()
        with self.assertRaisesRegex(SignatureError, rf"no ed25519 signature by the configured key {other.key_id} \(signed by: {self.signer.key_id}\)"):
            self.registry(public_key=other.base64).checkpoints()

    def test_during_a_key_rotation_any_signature_by_the_configured_key_counts(self) -> None:
        old = Signer()
        self.server.routes[DOC + ".sig"] = Route(self.signer.sig_file(self.document, old))
        self.assertEqual(len(self.registry(public_key=old.pem).checkpoints()), len(self.entries))
        self.assertEqual(len(self.registry(public_key=self.signer.pem).checkpoints()), len(self.entries))

    def test_a_stale_sig_beside_a_new_document_is_resolved_by_the_pinned_copy_sig(self) -> None:
        # A CDN pairing the new document with the previous publication's .sig for a minute.
        newer = registry_document(real_entries("imerg-gt"), revision="4b1d2e3")
        self.server.routes[DOC] = Route(newer)
        digest = hashlib.sha256(newer).hexdigest()
        with self.assertRaisesRegex(SignatureError, r"does not match"):
            self.registry(public_key=self.signer.pem).checkpoints()
        self.server.routes[f"/revisions/{digest}/modelRegistry.json.sig"] = Route(self.signer.sig_file(newer))
        self.assertEqual(list(self.registry(public_key=self.signer.pem).checkpoints()), ["imerg-gt"])
        self.assertEqual(list(self.registry(public_key=self.signer.pem).checkpoints()), ["imerg-gt"])  # and the cache holds the sig that verified
        self.assertEqual(self.server.requests(DOC)[-1].status, 304)

    def test_a_304_reverifies_the_cached_copy(self) -> None:
        self.registry(public_key=self.signer.pem).checkpoints()
        registry = self.registry(public_key=self.signer.pem)
        registry.checkpoints()
        self.assertTrue(registry.from_cache)
        # The cache altered on disk after it was accepted: refused, not trusted.
        cached = next(p for p in (registry._registry_dir).glob("modelRegistry.json"))
        cached.write_bytes(cached.read_bytes().replace(b'"linux"', b'"LINUX"', 1))
        with self.assertRaises(SignatureError):
            self.registry(public_key=self.signer.pem).checkpoints()

    def test_cryptography_is_imported_only_when_a_key_is_configured(self) -> None:
        import subprocess

        code = "import sys; from fiab_model_registry import Registry; r = Registry(sys.argv[1], cache_dir=sys.argv[2]); r.checkpoints(); print('cryptography' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", code, self.server.base, self.cache], capture_output=True, text=True, check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
        self.assertEqual(out.stdout.strip(), "False")


@unittest.skipIf(NO_CRYPTO, f"skipping revision tests: {NO_CRYPTO} (CI is unset)")
class PinnedRevision(RegistryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.digest = hashlib.sha256(self.document).hexdigest()
        self.path = f"/revisions/{self.digest}/modelRegistry.json"
        self.signer = Signer()
        self.server.routes[self.path] = Route(self.document)
        self.server.routes[self.path + ".sig"] = Route(self.signer.sig_file(self.document))

    def test_a_pinned_revision_is_read_verified_and_then_from_the_cache_alone(self) -> None:
        self.assertEqual(len(self.registry(revision=self.digest, public_key=self.signer.pem).checkpoints()), len(self.entries))
        before = len(self.server.log)
        registry = self.registry(revision=self.digest, public_key=self.signer.pem)
        registry.checkpoints()
        self.assertTrue(registry.from_cache)
        self.assertEqual(len(self.server.log), before)
        self.assertEqual(self.server.requests(DOC), [])

    def test_bytes_that_do_not_hash_to_the_pin_are_refused(self) -> None:
        self.server.routes[self.path] = Route(self.document + b" ")
        with self.assertRaisesRegex(SignatureError, r"not the pinned revision"):
            self.registry(revision=self.digest).checkpoints()

    def test_a_pin_must_be_a_sha256(self) -> None:
        with self.assertRaisesRegex(ValueError, r"revision: expected the 64 hex digits"):
            self.registry(revision="../../etc")


if __name__ == "__main__":
    unittest.main()
