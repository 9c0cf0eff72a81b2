"""Ed25519 signatures of published documents. A document D is signed by D + ".sig":
{"signatures": [{"keyId", "algorithm": "ed25519", "signature": base64 of 64 bytes}]} over D's exact bytes.
keyId is the first 16 hex digits of the SHA-256 of the raw 32-byte public key. The key comes from
configuration only (PEM SubjectPublicKeyInfo or base64 of the raw 32 bytes), never from the registry's
/keys.json. `cryptography` is imported only here, and only when a key is configured."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .errors import SignatureError

MAX_SIGNATURE_BYTES = 64 * 1024


def _cryptography() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from cryptography.hazmat.primitives import serialization
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise SignatureError("verifying signatures needs the 'cryptography' package (pip install cryptography, or apt-get install python3-cryptography)") from err
    return ed25519, serialization


@dataclass(frozen=True)
class PublicKey:
    raw: bytes
    key_id: str

    @classmethod
    def parse(cls, text: str | bytes) -> "PublicKey":
        """A PEM SubjectPublicKeyInfo, or the base64 raw 32 bytes; a path is the caller's business."""
        ed25519, serialization = _cryptography()
        data = text.encode() if isinstance(text, str) else text
        if b"-----BEGIN" in data:
            try:
                key = serialization.load_pem_public_key(data)
            except ValueError as err:
                raise SignatureError(f"public key: not a PEM public key ({err})") from err
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise SignatureError(f"public key: expected an Ed25519 key, found {type(key).__name__}")
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        else:
            try:
                raw = base64.b64decode(data.strip(), validate=True)
            except binascii.Error as err:
                raise SignatureError("public key: expected PEM or the base64 of 32 raw bytes, found neither") from err
            if len(raw) != 32:
                raise SignatureError(f"public key: expected 32 raw bytes, found {len(raw)}")
        return cls(raw=raw, key_id=key_id(raw))


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(document: bytes, signature_file: bytes | None, key: PublicKey, name: str) -> None:
    """Raises SignatureError unless a signature by `key` in `signature_file` verifies `document`."""
    ed25519, _ = _cryptography()
    if signature_file is None:
        raise SignatureError(f"{name}.sig: missing, and a public key is configured (refusing an unsigned document)")
    if len(signature_file) > MAX_SIGNATURE_BYTES:
        raise SignatureError(f"{name}.sig: larger than {MAX_SIGNATURE_BYTES} bytes")
    try:
        parsed = json.loads(signature_file)
    except (ValueError, UnicodeDecodeError) as err:
        raise SignatureError(f"{name}.sig: not JSON ({err})") from err
    signatures = parsed.get("signatures") if isinstance(parsed, dict) else None
    if not isinstance(signatures, list):
        raise SignatureError(f'{name}.sig: expected {{"signatures": [...]}}')
    ours = [s for s in signatures if isinstance(s, dict) and s.get("keyId") == key.key_id and s.get("algorithm") == "ed25519"]
    if not ours:
        others = sorted({str(s.get("keyId")) for s in signatures if isinstance(s, dict)})
        raise SignatureError(f"{name}.sig: no ed25519 signature by the configured key {key.key_id} (signed by: {', '.join(others) or 'nobody'})")
    public = ed25519.Ed25519PublicKey.from_public_bytes(key.raw)
    for i, s in enumerate(ours):
        try:
            sig = base64.b64decode(str(s.get("signature", "")), validate=True)
        except binascii.Error:
            continue
        if len(sig) != 64:
            continue
        try:
            public.verify(sig, document)
            return
        except Exception:  # cryptography's InvalidSignature
            continue
    raise SignatureError(f"{name}: the signature by key {key.key_id} does not match the document's bytes (tampered, or signed by another key with this id)")
