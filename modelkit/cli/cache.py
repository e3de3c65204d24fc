"""``modelkit cache``: look after the response cache from the command line.

``path`` prints where the cache lives, ``size`` how much each model's
cache takes, ``list-expired`` one path per expired entry, ``prune``
deletes expired entries and ``clear`` deletes every entry (of one model,
or with ``--all`` of every model). Each handler returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, List

from ..errors import ConfigError


def register(subparsers: Any) -> None:
    """Add the ``cache`` command and its subcommands to ``subparsers``."""
    parser = subparsers.add_parser("cache", help="manage the response cache")
    parser.set_defaults(handler=lambda args: _usage(parser))
    commands = parser.add_subparsers(title="cache commands", metavar="COMMAND")

    path = commands.add_parser("path", help="print the cache directory (or one model's)")
    path.add_argument("--model", "-m", default="", help="provider/model")
    path.set_defaults(handler=_path)

    size = commands.add_parser("size", help="bytes on disk per model")
    _models_option(size, "only these models (or providers)")
    size.set_defaults(handler=_size)

    expired = commands.add_parser("list-expired", help="print a path per expired entry")
    _models_option(expired, "only these models (or providers)")
    expired.set_defaults(handler=_list_expired)

    prune = commands.add_parser("prune", help="delete expired entries and reclaim their space")
    _models_option(prune, "only these models (or providers)")
    prune.set_defaults(handler=_prune)

    clear = commands.add_parser("clear", help="delete every entry (--all, or --model NAME)")
    clear.add_argument("--all", action="store_true", help="clear every model's cache")
    _models_option(clear, "clear these models (or providers)")
    clear.set_defaults(handler=_clear)


def _models_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--model", "-m", dest="models", action="append", default=[], metavar="NAME", help=help
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _path(args: argparse.Namespace) -> int:
    from ..cache import cache_path

    print(cache_path(args.model))
    return 0


def _size(args: argparse.Namespace) -> int:
    from ..cache import cache_path, cache_size

    sizes = cache_size(subdirs=args.models)
    if not sizes:
        print(f"no cached responses under {cache_path()}")
        return 0
    for model, size in sizes:
        print(f"{_human(size):>10}  {model}")
    if len(sizes) > 1:
        print(f"{_human(sum(size for _, size in sizes)):>10}  total")
    return 0


def _list_expired(args: argparse.Namespace) -> int:
    from ..cache import cache_list_expired

    for path in cache_list_expired(args.models):
        print(path)
    return 0


def _prune(args: argparse.Namespace) -> int:
    from ..cache import cache_list_expired, cache_prune

    expired = cache_list_expired(args.models)
    if expired:
        cache_prune(expired)
    print(f"pruned {len(expired)} expired {'entry' if len(expired) == 1 else 'entries'}")
    return 0


def _clear(args: argparse.Namespace) -> int:
    from ..cache import cache_clear, cache_path

    if args.all == bool(args.models):
        raise ConfigError("cache clear: give --all, or --model NAME (one or more), not both")
    targets: List[str] = [""] if args.all else args.models
    for model in targets:
        where = cache_path(model)
        print(f"cleared {where}" if cache_clear(model) else f"nothing cached at {where}")
    return 0


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns
