"""Named usage counts: one per name in this process, or in Redis for the fleet.

A limit given a ``name`` keeps its count under that name rather than in
itself: every limit of the same kind and name shares it, in this process
or, while ``$MODELKIT_LIMITS_URL`` names a Redis server, in every process
and machine using that server (the same variable as the fleet-wide
connection limits and budgets, ``_engine/fleet``). In Redis the count of
``name`` is the float at ``modelkit:limits:usage:<kind>:<name>``, added to
with ``INCRBYFLOAT`` (whose answer, the total just after this call, is what
the check after the call compares) and read with ``GET`` before a request; it expires ``SHARED_TTL``
seconds after its last use, so a budget outlives its processes but not
forever. When Redis cannot be reached, one ``LimitsWarning`` says so and
each limit counts what its own process uses until Redis answers again.
"""

from __future__ import annotations

import os
import threading
from typing import Dict, Optional, Tuple

__all__ = ["SHARED_TTL", "SharedCount", "shared_count"]

SHARED_TTL = 7 * 24 * 3600
"""Seconds a shared count lives after its last use."""


class SharedCount:
    """The count of one kind of usage under one name."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self._local = 0.0
        self._lock = threading.Lock()

    def add(self, amount: float) -> None:
        """Add ``amount`` to the count."""
        with self._lock:
            self._local += amount

    def read(self, recent: bool = False) -> Optional[float]:
        """The count (``None``: not known now; the limit uses its own).

        Args:
            recent: the total this thread's last ``add`` saw will do, if known.
        """
        with self._lock:
            return self._local


class RedisCount(SharedCount):
    """A count kept in Redis, shared by every process using the server."""

    def __init__(self, kind: str, name: str, url: str) -> None:
        from .._engine.fleet import LimitsWarning
        from .._redis import link_for

        super().__init__(kind, name)
        self.link = link_for(url, "usage limits", LimitsWarning)
        self.key = f"modelkit:limits:usage:{kind}:{name}"
        self._recent = threading.local()

    def add(self, amount: float) -> None:
        self._recent.total = None
        client = self.link.client()
        if client is None or not amount:
            return
        try:
            pipe = client.pipeline(transaction=False)
            pipe.incrbyfloat(self.key, amount)
            pipe.expire(self.key, SHARED_TTL)
            total, _ = pipe.execute()
            self._recent.total = float(total)
        except self.link.errors as exc:
            self.link.failed(exc)
        except (TypeError, ValueError):  # an answer that is not a number: read it later
            pass

    def read(self, recent: bool = False) -> Optional[float]:
        if recent:
            total: Optional[float] = getattr(self._recent, "total", None)
            self._recent.total = None
            if total is not None:
                return total
        client = self.link.client()
        if client is None:
            return None
        try:
            value = client.get(self.key)
        except self.link.errors as exc:
            self.link.failed(exc)
            return None
        try:
            return float(value) if value is not None else 0.0
        except ValueError:  # another client wrote something else there
            return None


_counts: Dict[Tuple[str, str, Optional[str]], SharedCount] = {}
_counts_lock = threading.Lock()


def shared_count(kind: str, name: str) -> SharedCount:
    """The count of ``kind`` under ``name``: in Redis while ``$MODELKIT_LIMITS_URL``
    names a server, else this process's.

    Raises:
        ConfigError: ``name`` is empty, or the URL is not one Redis reads.
    """
    from .._engine.fleet import LIMITS_URL_VAR
    from .._redis import is_redis_url
    from ..errors import ConfigError

    if not isinstance(name, str) or not name:
        raise ConfigError(f"a limit's name must be a non-empty string, got {name!r}")
    url = os.environ.get(LIMITS_URL_VAR) or None
    if url is not None and not is_redis_url(url):
        raise ConfigError(
            f"${LIMITS_URL_VAR} must be a redis:// (rediss://, unix://) URL to share "
            "limits across processes"
        )
    key = (kind, name, url)
    with _counts_lock:
        count = _counts.get(key)
        if count is None:
            count = RedisCount(kind, name, url) if url else SharedCount(kind, name)
            _counts[key] = count
    return count
