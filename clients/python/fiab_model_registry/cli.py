"""python -m fiab_model_registry list | show ID | fetch ID: the registry from a shell, as FIAB would see it.
Results go to stdout (JSON with --json), progress and warnings to stderr. Exit codes: 0 done, 1 failed
(network, signature, integrity), 2 bad usage or an unknown checkpoint id."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from .errors import RegistryError
from .registry import Registry


_defaults = {"url": None, "cache_dir": None, "public_key": None, "revision": None, "timeout": 30.0, "json": False, "allow_rollback": False}


def _parser() -> argparse.ArgumentParser:
    # The shared options are accepted before or after the command (`list --url ...` as well as `--url ... list`):
    # SUPPRESS keeps a subcommand's unset copy from overwriting what was given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS, help="registry base URL: a static site, or a registry server's .../api/v1 (default: $FIAB_MODEL_REGISTRY_URL)")
    common.add_argument("--cache-dir", default=argparse.SUPPRESS, help="cache folder (default: $XDG_CACHE_HOME/fiab-model-registry)")
    common.add_argument("--public-key", default=argparse.SUPPRESS, help="Ed25519 public key to require signatures by: a PEM file, or the base64 of the raw 32 bytes")
    common.add_argument("--revision", default=argparse.SUPPRESS, help="pin the registry to /revisions/<sha256>/modelRegistry.json")
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS, help="seconds for the registry document, whole (default 30)")
    common.add_argument("--allow-rollback", action="store_true", default=argparse.SUPPRESS, help="accept a registry document older than the cached one (refused by default)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON on stdout")
    p = argparse.ArgumentParser(prog="python -m fiab_model_registry", parents=[common], description="Read a FIAB model registry: list checkpoints with their fit to this host, show one, fetch one into the verified cache.")
    sub = p.add_subparsers(dest="command", required=True)
    lister = sub.add_parser("list", parents=[common], help="every checkpoint, with whether it fits this host and why not")
    lister.add_argument("--compatible", action="store_true", help="only those that fit this host")
    sub.add_parser("show", parents=[common], help="one checkpoint's entry and fit").add_argument("id")
    sub.add_parser("fetch", parents=[common], help="download a checkpoint into the cache (verified) and print its path").add_argument("id")
    return p


def _parse(argv: list[str] | None) -> argparse.Namespace:
    args = _parser().parse_args(argv)
    for name, value in {**_defaults, "url": os.environ.get("FIAB_MODEL_REGISTRY_URL")}.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    return args


def _key(value: str | None) -> str | bytes | None:
    if value is None:
        return None
    path = Path(value)
    return path.read_bytes() if path.is_file() else value


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if not args.url:
        print("error: --url (or $FIAB_MODEL_REGISTRY_URL) is required", file=sys.stderr)
        return 2
    warnings.simplefilter("always")
    warnings.showwarning = lambda message, *_: print(f"warning: {message}", file=sys.stderr)  # type: ignore[assignment]
    try:
        registry = Registry(args.url, cache_dir=args.cache_dir, public_key=_key(args.public_key), revision=args.revision, timeout=args.timeout, allow_rollback=args.allow_rollback)
        return _run(registry, args)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2 if isinstance(err, ValueError) else 1
    except RegistryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _run(registry: Registry, args: argparse.Namespace) -> int:
    if args.command == "list":
        rows = []
        for checkpoint_id, entry in sorted(registry.checkpoints().items()):
            ok, detail = registry.compatibility(entry)
            if args.compatible and not ok:
                continue
            rows.append({"id": checkpoint_id, "name": entry.name, "compatible": ok, "detail": detail, "sizeBytes": entry.source.size_bytes, "cached": registry.cached_checkpoint(checkpoint_id) is not None})
        if args.json:
            print(json.dumps({"revision": registry.revision, "checkpoints": rows}, indent=2))
        else:
            for r in rows:
                mark = "fits" if r["compatible"] else "no  "
                print(f"{mark}  {r['id']}  {r['name']}" + (f"  ({r['detail']})" if r["detail"] else ""))
        return 0
    entry = registry.entry(args.id)
    if args.command == "show":
        fit = registry.fit(entry)
        if args.json:
            print(json.dumps({"id": entry.id, "fit": {"compatible": fit.fits, "reasons": fit.reasons, "caveats": fit.caveats}, "entry": entry.document}, indent=2))
        else:
            print(f"{entry.id}: {entry.name}")
            print(f"  source: {entry.source.url} ({entry.source.size_bytes if entry.source.size_bytes is not None else 'size unknown'} bytes, sha256 {entry.source.sha256 or 'not published'})")
            print(f"  fits this host: {'yes' if fit.fits else 'no'}")
            for line in fit.reasons + fit.caveats:
                print(f"    {line}")
        return 0
    last = [-1]

    def progress(done: int, total: int | None) -> None:
        percent = done * 100 // total if total else None
        if percent is not None and percent != last[0] and percent % 10 == 0:
            last[0] = percent
            print(f"{entry.id}: {percent}% of {total} bytes", file=sys.stderr)

    path = registry.get_checkpoint_realpath(entry.id, progress=progress)
    print(json.dumps({"id": entry.id, "path": str(path)}) if args.json else path)
    return 0
