"""Client of the FIAB model registry: the verified checkpoint list, each checkpoint's fit to this host, and
checkpoint files downloaded once into a verified cache."""

from .compatibility import Fit, compatibility, fit
from .entry import NOT_MEASURED, Entry, Source, read_entry, read_registry
from .errors import DownloadError, IntegrityError, NetworkError, RegistryError, ResponseError, RollbackError, SignatureError
from .host import Host
from .registry import Registry

__all__ = [
    "Registry", "Host", "Entry", "Source", "Fit", "NOT_MEASURED", "compatibility", "fit", "read_entry", "read_registry",
    "RegistryError", "NetworkError", "ResponseError", "RollbackError", "SignatureError", "IntegrityError", "DownloadError",
]
__version__ = "0.1.0"
