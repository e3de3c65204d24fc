"""``modelkit cache``: look after the response cache from the command line.

``path`` prints where the cache lives, ``size`` the entries and bytes of
each model's cache, ``list-expired`` one path per expired entry, ``prune``
deletes expired entries and ``clear`` deletes every entry (of one model,
or with ``--all`` of every model), saying what it removed. Each handler
returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .options import UsageError


def register(subparsers: Any) -> None:
    """Add the ``cache`` command and its subcommands to ``subparsers``."""
    parser = subparsers.add_parser(
        "cache",
        help="manage the response cache",
        description="Look after the response cache (see 'modelkit cache COMMAND --help').",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    commands = parser.add_subparsers(title="cache commands", metavar="COMMAND")

    path = commands.add_parser("path", help="print the cache directory (or one model's)")
    path.add_argument("--model", "-m", default="", help="provider/model")
    path.set_defaults(handler=_path)

    size = commands.add_parser("size", help="entries and bytes on disk per model")
    _models_option(size, "only these models (or providers)")
    size.set_defaults(handler=_size)

    expired = commands.add_parser("list-expired", help="print a path per expired entry")
    _models_option(expired, "only these models (or providers)")
    expired.set_defaults(handler=_list_expired)

    prune = commands.add_parser("prune", help="delete expired entries and reclaim their space")
    _models_option(prune, "only these models (or providers)")
    prune.set_defaults(handler=_prune)

    clear = commands.add_parser("clear", help="delete every entry (--all, or --model NAME)")
    clear.set_defaults(parser=clear)
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
    from ..cache._admin import cache_entries

    sizes = dict(cache_size(subdirs=args.models))
    entries = dict(cache_entries(subdirs=args.models))
    if not sizes:
        print(f"no cached responses under {cache_path()}")
        return 0
    for model, size in sorted(sizes.items()):
        print(f"{_entries(entries.get(model, 0)):>14} {_human(size):>10}  {model}")
    if len(sizes) > 1:
        total = _entries(sum(entries.values()))
        print(f"{total:>14} {_human(sum(sizes.values())):>10}  total")
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
    from ..cache import cache_clear
    from ..cache._admin import cache_entries

    if args.all == bool(args.models):
        raise UsageError(
            "say what to clear: --all for every model, or --model NAME (one or more; "
            "a provider name such as 'openai' clears all its models); see 'modelkit cache size'"
        )
    for model in [""] if args.all else args.models:
        entries = sum(count for _, count in cache_entries([model] if model else []))
        which = model or "every model"
        if cache_clear(model):
            print(f"cleared {_entries(entries)} of {which}")
        else:
            print(f"nothing cached for {which}")
    return 0


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns
