"""sqlite3 connections for the response cache: lazy, per thread, WAL, self-healing.

``run(db, op)`` runs ``op`` on this thread's connection to one database,
opening it on first use: directories are created owner-only (0700) and the
file owner-only (0600), then WAL mode, a busy timeout and the schema are
set up. A corrupt file is moved aside with a ``CacheWarning`` and recreated;
a location that cannot be written disables that database with one
``CacheWarning``; any other sqlite failure becomes a ``CacheError``.
Connections inherited across ``fork`` are abandoned, never used or closed.

A database that another user could have written, or that is reached
through a symbolic link, is never opened: it is disabled
database is disabled with a ``CacheWarning`` (``_trust``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set, Tuple, TypeVar

from ..errors import CacheError
from ._key import CORRUPT_MARK, DB_NAME
from ._policy import CacheWarning
from ._trust import Untrusted, check_trusted, nofollow_uri

T = TypeVar("T")

SCHEMA_VERSION = 1
BUSY_TIMEOUT = 10.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries ("
    " id INTEGER PRIMARY KEY, key BLOB NOT NULL, output BLOB NOT NULL,"
    " created_at REAL NOT NULL, expires_at REAL)",
    "CREATE INDEX IF NOT EXISTS entries_expiry ON entries(expires_at) WHERE expires_at IS NOT NULL",
)


class _Unusable(Exception):
    """This database cannot be used here (unwritable, or a newer schema)."""


class _Conn:
    """A thread's connection; closed when the thread's locals are dropped."""

    __slots__ = ("conn", "generation", "pid")

    def __init__(self, conn: sqlite3.Connection, generation: int) -> None:
        self.conn = conn
        self.generation = generation
        self.pid = os.getpid()

    def __del__(self) -> None:
        # Python 3.13 warns (ResourceWarning) about connections never closed; but
        # a connection inherited across fork must not be touched by the child.
        if self.pid == os.getpid():
            self.conn.close()
        else:
            _abandoned.append(self.conn)  # kept alive: never closed, even by dealloc


_local = threading.local()
_lock = threading.Lock()
_generations: Dict[str, int] = {}  # bumped when this process replaces a database file
_disabled: Set[str] = set()
_abandoned: List[object] = []  # connections inherited across fork: never closed in the child


def _after_fork_in_child() -> None:
    global _local, _lock
    _abandoned.append(_local)
    _local = threading.local()
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def close_thread_connections() -> None:
    """Close this thread's connections (they reopen on next use)."""
    conns: Dict[str, _Conn] = getattr(_local, "conns", {})
    while conns:
        conns.popitem()[1].conn.close()


def run(db: Path, op: Callable[[sqlite3.Connection], T], create: bool) -> Optional[T]:
    """Run ``op`` on this thread's connection to ``db``.

    Returns ``None`` without running it when caching is disabled for ``db``
    or when ``db`` does not exist and ``create`` is false.

    Raises:
        CacheError: sqlite failed in a way the cache cannot recover from.
    """
    name = str(db)
    if name in _disabled:
        return None
    for attempt in (1, 2):
        try:
            conn = _connection(db, name, create)
            return None if conn is None else op(conn)
        except _Unusable as exc:
            _disable(db, str(exc))
            return None
        except sqlite3.Error as exc:
            kind = _classify(exc)
            if kind == "unwritable":
                _disable(db, str(exc))
                return None
            if kind == "corrupt" and attempt == 1:
                try:
                    _move_aside(db, exc)
                except _Unusable as unusable:
                    _disable(db, str(unusable))
                    return None
                continue
            raise CacheError(f"response cache {db}: {exc}") from exc
    return None  # pragma: no cover - the loop always returns or raises


def _connection(db: Path, name: str, create: bool) -> Optional[sqlite3.Connection]:
    """This thread's connection to ``db`` (``name``: ``str(db)``), opened if need be."""
    conns: Optional[Dict[str, _Conn]] = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    generation = _generations.get(name, 0)
    held = conns.get(name)
    if held is not None:
        if held.generation == generation:
            return held.conn
        del conns[name]
        held.conn.close()
    try:
        check_trusted(db)  # before creating anything: never through a planted link
        if not db.exists():
            if not create:
                return None
            _make_dirs(db.parent)
            _create_file(db)
        inodes: Dict[str, Tuple[int, int]] = getattr(_local, "inodes", None) or {}
        inodes[name] = _inode(db)
        _local.inodes = inodes
    except Untrusted as exc:
        raise _Unusable(str(exc)) from exc
    except OSError as exc:
        raise _Unusable(f"{type(exc).__name__}: {exc}") from exc
    # check_same_thread=False only so that a finished thread's connection can be
    # closed wherever its locals are dropped; it is used by its own thread alone.
    conn = sqlite3.connect(
        nofollow_uri(db),
        timeout=BUSY_TIMEOUT,
        isolation_level=None,
        check_same_thread=False,
        uri=True,
    )
    try:
        _initialise(conn, db)
    except BaseException:
        conn.close()
        raise
    conns[name] = _Conn(conn, generation)
    return conn


def _initialise(conn: sqlite3.Connection, db: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise _Unusable(
            f"{db} has cache schema {version}, newer than this modelkit's {SCHEMA_VERSION}; "
            "upgrade modelkit or point $MODELKIT_CACHE_DIR elsewhere"
        )
    if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        # auto_vacuum must be chosen before WAL mode first writes the header.
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        _retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
    conn.execute("PRAGMA synchronous = NORMAL")
    if version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise


def _retry_busy(action: Callable[[], object]) -> None:
    """Switching to WAL needs an exclusive lock that the busy handler may not wait for."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if ("locked" not in message and "busy" not in message) or (time.monotonic() > deadline):
                raise
            time.sleep(0.01)


def _make_dirs(directory: Path) -> None:
    """Create ``directory`` and missing parents, each owner-only (0700)."""
    missing: List[Path] = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass


def _create_file(db: Path) -> None:
    """Create an empty database file readable by its owner only (0600).

    sqlite gives the ``-wal`` and ``-shm`` files the database file's mode.
    """
    try:
        fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _inode(path: Path) -> Tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def _classify(exc: sqlite3.Error) -> str:
    message = str(exc).lower()
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return "corrupt"
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        return "unwritable"
    return "other"


def _move_aside(db: Path, exc: Exception) -> None:
    """Move a corrupt database (and its WAL) aside so that a new one is created."""
    name = str(db)
    conns: Dict[str, _Conn] = getattr(_local, "conns", {})
    held = conns.pop(name, None)
    if held is not None:
        held.conn.close()
    seen = getattr(_local, "inodes", {}).get(name)
    with _lock:
        try:
            if seen is not None and _inode(db) != seen:
                return  # another thread or process already replaced it
        except FileNotFoundError:
            return
        aside = db.with_name(f"{DB_NAME}{CORRUPT_MARK}{int(time.time())}-{os.getpid()}")
        try:
            os.replace(db, aside)
            if os.path.exists(name + "-wal"):
                os.replace(name + "-wal", str(aside) + "-wal")
            if os.path.exists(name + "-shm"):
                os.remove(name + "-shm")
        except OSError as move_error:
            raise _Unusable(f"cannot move corrupt {db} aside: {move_error}") from exc
        _generations[name] = _generations.get(name, 0) + 1
    warnings.warn(
        f"response cache {db} was corrupt ({exc}); moved it to {aside.name} and started a new one",
        CacheWarning,
        stacklevel=2,
    )


def _disable(db: Path, reason: str) -> None:
    with _lock:
        if str(db) in _disabled:
            return
        _disabled.add(str(db))
    warnings.warn(
        f"response cache disabled for {db.parent}: {reason}; calls go to the API uncached",
        CacheWarning,
        stacklevel=2,
    )


def rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
