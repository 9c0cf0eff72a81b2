"""What FIAB does with the registry, end to end: list the checkpoints this host can run, fetch one into the
verified cache, and print where it is. Run twice, the second run costs one conditional GET (a 304) and no
download.

    python3 examples/fiab_like.py --url https://registry.example.org [--public-key key.pem] [--id CHECKPOINT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from fiab_model_registry import Host, Registry, RegistryError  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--cache-dir")
    p.add_argument("--public-key", help="PEM file or base64 of the raw 32 bytes")
    p.add_argument("--id", help="the checkpoint to fetch (default: the first compatible one)")
    args = p.parse_args()
    key = Path(args.public_key).read_text() if args.public_key and Path(args.public_key).is_file() else args.public_key
    registry = Registry(args.url, cache_dir=args.cache_dir, public_key=key)
    host = Host.detect()
    try:
        compatible = [e for e in registry.checkpoints().values() if registry.compatibility(e, host)[0]]
        for entry in compatible:
            print(f"{entry.id}: {entry.name}", file=sys.stderr)
        chosen = args.id or (compatible[0].id if compatible else None)
        if chosen is None:
            print("no checkpoint fits this host", file=sys.stderr)
            return 1
        path = registry.get_checkpoint_realpath(chosen)
    except (RegistryError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps({
        "host": {"os": host.os, "arch": host.arch, "python": host.python, "gpuMemoryMib": host.gpu_memory_mib},
        "compatible": sorted(e.id for e in compatible),
        "registryFromCache": registry.from_cache,
        "fetched": {"id": chosen, "path": str(path)},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
