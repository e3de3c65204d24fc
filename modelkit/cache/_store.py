"""sqlite3 storage for the response cache: the entry operations.

Each model directory holds ``cache.sqlite3`` with one table of entries: the
key's sha256 (its first 8 bytes are the rowid, the whole is checked), the
serialised output, and created-at / expires-at times in seconds since the
epoch. Every function runs on this thread's connection through
``_db.run``; ``clock`` is the time source (tests replace it).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from ._db import close_thread_connections, rollback, run

__all__ = [
    "clear",
    "clock",
    "close_thread_connections",
    "count",
    "entries_size",
    "expired",
    "get",
    "prune",
    "put",
]

ENTRY_OVERHEAD = 24
"""Bytes counted per entry besides its output and key: the 8-byte id, 16 of times."""

clock: Callable[[], float] = time.time
"""Seconds since the epoch, used for created-at, expires-at and expiry checks."""


def get(db: Path, key: bytes) -> Optional[bytes]:
    """The stored output for ``key`` if present and not expired, else ``None``."""

    row_id = int.from_bytes(key[:8], "big", signed=True)  # _id(key)

    def op(conn: sqlite3.Connection) -> Optional[bytes]:
        row = conn.execute(
            "SELECT key, output FROM entries WHERE id = ? "
            "AND (expires_at IS NULL OR expires_at > ?)",
            (row_id, clock()),
        ).fetchone()
        return bytes(row[1]) if row is not None and bytes(row[0]) == key else None

    return run(db, op, create=False)


def put(db: Path, key: bytes, output: bytes, expires_in: Optional[float]) -> bool:
    """Store ``output`` under ``key``, replacing any entry; ``False`` if disabled."""

    def op(conn: sqlite3.Connection) -> bool:
        now = clock()
        expires_at = None if expires_in is None else now + expires_in
        conn.execute(
            "INSERT OR REPLACE INTO entries (id, key, output, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (_id(key), key, output, now, expires_at),
        )
        return True

    return bool(run(db, op, create=True))


def expired(db: Path) -> List[bytes]:
    """Keys of the entries in ``db`` that have expired."""

    def op(conn: sqlite3.Connection) -> List[bytes]:
        rows = conn.execute("SELECT key FROM entries WHERE expires_at <= ?", (clock(),))
        return [bytes(row[0]) for row in rows]

    return run(db, op, create=False) or []


def count(db: Path) -> int:
    """How many entries ``db`` holds, expired ones included."""

    def op(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])

    return run(db, op, create=False) or 0


def entries_size(db: Path, keys: Sequence[bytes]) -> int:
    """Bytes taken by the entries of ``keys`` (outputs plus per-entry overhead)."""

    def op(conn: sqlite3.Connection) -> int:
        total = 0
        for key in keys:
            row = conn.execute(
                "SELECT length(output) FROM entries WHERE id = ? AND key = ?", (_id(key), key)
            ).fetchone()
            if row is not None:
                total += int(row[0]) + len(key) + ENTRY_OVERHEAD
        return total

    return run(db, op, create=False) or 0


def prune(db: Path, keys: Optional[Sequence[bytes]] = None) -> int:
    """Delete expired entries (only those among ``keys`` if given); reclaim space."""

    def op(conn: sqlite3.Connection) -> int:
        now = clock()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if keys is None:
                deleted = conn.execute("DELETE FROM entries WHERE expires_at <= ?", (now,)).rowcount
            else:
                deleted = 0
                for key in keys:
                    deleted += conn.execute(
                        "DELETE FROM entries WHERE id = ? AND key = ? AND expires_at <= ?",
                        (_id(key), key, now),
                    ).rowcount
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        _reclaim(conn)
        return deleted

    return run(db, op, create=False) or 0


def clear(db: Path) -> int:
    """Delete every entry of ``db`` and reclaim the space.

    The file itself stays (empty), so that other processes holding it open
    keep working on the same database instead of an unlinked one.
    """

    def op(conn: sqlite3.Connection) -> int:
        deleted = conn.execute("DELETE FROM entries").rowcount
        _reclaim(conn)
        return int(deleted)

    return run(db, op, create=False) or 0


def _reclaim(conn: sqlite3.Connection) -> None:
    # executescript steps the pragma to the end; execute() frees a single page.
    conn.executescript("PRAGMA incremental_vacuum;")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _id(key: bytes) -> int:
    return int.from_bytes(key[:8], "big", signed=True)
