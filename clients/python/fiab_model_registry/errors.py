"""The client's errors. Each says which document, field or byte it is about and what was expected."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every error this client raises."""


class NetworkError(RegistryError):
    """The registry could not be reached (connection, timeout, server error); a cached copy may stand in."""


class ResponseError(RegistryError):
    """The registry answered, but not with something this client can use (status, size, JSON)."""


class RollbackError(ResponseError):
    """The registry answered with an older document than the one this client holds (see allow_rollback)."""


class SignatureError(RegistryError):
    """A signature is missing, malformed, by another key, or does not match the bytes. Never falls back."""


class IntegrityError(RegistryError):
    """Downloaded bytes do not match the size or digest they were announced with."""


class DownloadError(RegistryError):
    """A checkpoint download failed; a partial file is kept for resuming when it may still be right."""
