"""Whether a cache database may be trusted: no links, this user's, written by no one else.

An entry in the response cache is served as a model's answer, so a
database that someone else could have written must never be read, and a
symbolic link planted where a database goes must never make modelkit write
outside the cache. ``check_trusted(db)`` raises ``Untrusted`` unless every
path below the cache root that leads to ``db`` (its directories, the file,
its ``-wal`` and ``-shm``) is no symbolic link, a directory or regular
file, owned by this user and writable by no other; the root itself (which
the user chose, and may be a link) must be this user's or root's and
writable by others only when sticky, as ``/tmp`` is. ``nofollow_uri`` asks
sqlite not to follow links either. On Windows only links are checked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

from ._key import cache_path

__all__ = ["Untrusted", "check_trusted", "nofollow_uri"]


class Untrusted(Exception):
    """A cache path is a link, someone else's, or writable by others."""


def nofollow_uri(db: Path) -> str:
    """A ``file:`` URI for ``db`` that asks sqlite not to follow symbolic links."""
    from urllib.parse import quote

    return f"file:{quote(db.as_posix(), safe='/:')}?nofollow=1"


def check_trusted(db: Path) -> None:
    """Refuse a database another user could have written, or one reached through a link.

    Raises:
        Untrusted: naming the path and what is wrong with it.
    """
    root = cache_path()
    try:
        below = db.relative_to(root).parts
    except ValueError:  # a database outside the root: check from its own directory
        root, below = db.parent, (db.name,)
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    try:
        _check(root, os.stat(root), euid, is_root=True)
    except FileNotFoundError:
        pass
    paths = [root.joinpath(*below[: i + 1]) for i in range(len(below))]
    for path in [*paths, Path(f"{db}-wal"), Path(f"{db}-shm")]:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            raise Untrusted(f"{path} is a symbolic link; modelkit never follows links in its cache")
        if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
            raise Untrusted(f"{path} is not a regular file or directory")
        _check(path, info, euid, is_root=False)


def _check(path: Path, info: os.stat_result, euid: Optional[int], is_root: bool) -> None:
    if euid is None:  # Windows: no POSIX owners or modes
        return
    owners = (euid, 0) if is_root else (euid,)
    if info.st_uid not in owners:
        raise Untrusted(f"{path} is owned by uid {info.st_uid}, not by this user ({euid})")
    # The root may be shared like /tmp: sticky, so no one removes another's entries.
    if info.st_mode & 0o022 and not (is_root and info.st_mode & stat.S_ISVTX):
        raise Untrusted(
            f"{path} is writable by other users (mode {stat.S_IMODE(info.st_mode):o}); "
            f"run chmod go-w on it, or point $MODELKIT_CACHE_DIR elsewhere"
        )
