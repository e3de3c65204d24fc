"""The ``cache_*`` functions: sizes and entry counts, clearing, listing and pruning expired entries.

They walk the cache root for model directories holding ``cache.sqlite3``.
An expired entry is named by a path that is not a file:
``cache_path(model) / <its key as 64 hex digits>``; ``cache_list_expired``
returns such paths and ``cache_prune`` and ``cache_size`` take them back.
Databases are emptied in place rather than deleted, so that other threads
and processes using them stay correct. With ``$MODELKIT_CACHE_URL`` naming
a Redis server they work on its entries instead (``_backend``): sizes are
the stored bytes, and nothing is ever listed as expired there, because
Redis deletes expired entries itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from ..errors import CacheError, ConfigError
from ._backend import shared
from ._key import CORRUPT_MARK, DB_NAME, cache_path, model_name

__all__ = [
    "cache_clear",
    "cache_entries",
    "cache_list_expired",
    "cache_prune",
    "cache_size",
]

_KEY_HEX = re.compile(r"[0-9a-f]{64}")


def cache_size(subdirs: List[str] = [], files: List[Path] = []) -> List[Tuple[str, int]]:
    """Bytes on disk per model, sorted by model name.

    Args:
        subdirs: model names (or provider prefixes such as ``"openai"``) to
            report; with neither argument, every model is reported.
        files: entry paths from :func:`cache_list_expired` (or cache files):
            their bytes, grouped by model.

    Returns:
        ``(model, bytes)`` pairs; models with nothing on disk are left out.
    """
    from . import _store

    redis = shared()
    if redis is not None:
        return [] if files and not subdirs else sorted(redis.sizes(subdirs).items())
    root = cache_path()
    sizes: Dict[str, int] = {}
    if subdirs or not files:
        for directory, names in _model_files(root):
            model = _model_of(root, directory)
            if subdirs and not any(_under(model, wanted) for wanted in subdirs):
                continue
            total = sum(_file_size(directory / name) for name in names)
            if total:
                sizes[model] = sizes.get(model, 0) + total
    entries: Dict[Path, List[bytes]] = {}
    for file in files:
        path = Path(os.path.abspath(file))
        if not _inside(root, path):
            continue
        if _KEY_HEX.fullmatch(path.name):
            entries.setdefault(path.parent, []).append(bytes.fromhex(path.name))
        elif path.is_file():
            model = _model_of(root, path.parent)
            sizes[model] = sizes.get(model, 0) + _file_size(path)
    for directory, keys in entries.items():
        size = _store.entries_size(_database(directory), keys)
        if size:
            model = _model_of(root, directory)
            sizes[model] = sizes.get(model, 0) + size
    return sorted(sizes.items())


def cache_clear(model: str = "") -> bool:
    """Delete every entry (or those of ``model``, or of a provider prefix).

    Databases are emptied in place and shrunk rather than deleted, so
    processes using them at the same time stay correct; files moved aside
    as corrupt are deleted.

    Returns:
        ``True`` if anything was removed (an entry or a corrupt file), else ``False``.

    Raises:
        CacheError: a database could not be cleared.
    """
    from . import _store

    redis = shared()
    if redis is not None:
        return redis.clear(model)
    target = cache_path(model)
    if not target.is_dir():
        return False
    removed = False
    for db in list(_databases(target)):
        removed = _store.clear(db) > 0 or removed
    for directory, names in _model_files(target):
        for name in names:
            if CORRUPT_MARK in name:
                try:
                    os.remove(directory / name)
                    removed = True
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise CacheError(f"cannot delete {directory / name}: {exc}") from exc
    return removed


def cache_entries(subdirs: List[str] = []) -> List[Tuple[str, int]]:
    """Entries per model (expired ones included), sorted by model name.

    Args:
        subdirs: model names (or provider prefixes) to count; empty counts all.

    Returns:
        ``(model, entries)`` pairs; models with no entry are left out.
    """
    from . import _store

    redis = shared()
    if redis is not None:
        return sorted((model, n) for model, n in redis.entries(subdirs).items() if n)
    root = cache_path()
    counts: Dict[str, int] = {}
    for db in _databases(root) if root.is_dir() else ():
        model = _model_of(root, db.parent)
        if not subdirs or any(_under(model, wanted) for wanted in subdirs):
            counts[model] = counts.get(model, 0) + _store.count(db)
    return sorted((model, n) for model, n in counts.items() if n)


def cache_list_expired(filter_by: List[str] = []) -> List[Path]:
    """A path per expired entry: ``cache_path(model) / <key as 64 hex digits>``.

    The paths name entries inside the model's database, not files; pass
    them to :func:`cache_prune` or :func:`cache_size`.

    Args:
        filter_by: model names (or provider prefixes) to search; empty
            searches the whole cache.
    """
    from . import _store

    if shared() is not None:
        return []
    targets = [cache_path(model) for model in filter_by] if filter_by else [cache_path()]
    found: List[Path] = []
    seen = set()
    for target in targets:
        if not target.is_dir():
            continue
        for db in _databases(target):
            if db in seen:
                continue
            seen.add(db)
            found.extend(db.parent / key.hex() for key in _store.expired(db))
    return found


def cache_prune(files: List[Path] = []) -> None:
    """Delete expired entries and reclaim their space.

    Args:
        files: entry paths from :func:`cache_list_expired`; only those are
            deleted, and only if they are still expired (an entry stored
            again since then is kept). Empty prunes the whole cache.

    Raises:
        ConfigError: a path is not an entry path inside the cache.
        CacheError: a database could not be pruned.
    """
    from . import _store

    if shared() is not None:
        return  # Redis deletes expired entries itself; none are ever listed
    root = cache_path()
    if not files:
        if root.is_dir():
            for db in list(_databases(root)):
                _store.prune(db)
        return
    entries: Dict[Path, List[bytes]] = {}
    for file in files:
        path = Path(os.path.abspath(file))
        if not _inside(root, path) or not _KEY_HEX.fullmatch(path.name):
            raise ConfigError(
                f"{file} is not a cache entry path: expected <model dir>/<64 hex digits> "
                f"under {root}, as cache_list_expired() returns"
            )
        entries.setdefault(path.parent, []).append(bytes.fromhex(path.name))
    for directory, keys in entries.items():
        _store.prune(_database(directory), keys)


def _databases(root: Path) -> Iterator[Path]:
    """Every cache database under ``root``, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if DB_NAME in filenames:
            yield Path(dirpath) / DB_NAME


def _database(directory: Path) -> Path:
    return directory / DB_NAME


def _model_files(root: Path) -> Iterator[Tuple[Path, List[str]]]:
    """Each directory under ``root`` holding cache files, with those files' names."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        names = sorted(name for name in filenames if name.startswith(DB_NAME))
        if names:
            yield Path(dirpath), names


def _model_of(root: Path, directory: Path) -> str:
    return model_name(directory.relative_to(root).as_posix())


def _under(model: str, wanted: str) -> bool:
    wanted = wanted.strip("/")
    return model == wanted or model.startswith(wanted + "/")


def _inside(root: Path, path: Path) -> bool:
    return root in path.parents


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
