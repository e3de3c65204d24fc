"""Connection limits: one bounded slot counter per ``api.connection_key()``.

Every ``Model`` whose API returns the same connection key shares one
``ConnectionLimit``, so the number of requests in flight to that key never
exceeds its size, however many models, threads or event loops send them.
The size comes from the call's ``config.max_connections``, else from
``api.max_connections()``.

When calls ask one key for different sizes, the size in force is the one
asked for by the call that found the key idle (no request in flight or
waiting); a call asking for another size while the key is busy waits under
the size in force. Sequential use therefore always gets the size it asks
for, and concurrent calls never exceed the size the busy period began with.
An adaptive limit (``adaptive``) resizes it while busy through ``resize``.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Dict

from .pool import WAKE_SECONDS

__all__ = ["ConnectionLimit", "limit_for"]

logger = logging.getLogger("modelkit")


class ConnectionLimit:
    """A counter of requests in flight to one connection key, bounded by ``size``.

    Args:
        key: the connection key (for log messages).
        size: the most requests in flight at once.
    """

    def __init__(self, key: str, size: int) -> None:
        self.key = key
        self.size = size
        self.active = 0
        self.waiting = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)

    def acquire(self, size: int) -> None:
        """Take a slot, waiting for one while ``size`` are in use.

        Args:
            size: the size this call asks for (applied if the key is idle).
        """
        with self._lock:
            if size != self.size:
                if self.active == 0 and self.waiting == 0:
                    self.size = size
                else:
                    logger.debug(
                        "modelkit: %s is busy with max_connections=%d; a call asking %d waits "
                        "under %d",
                        self.key,
                        self.size,
                        size,
                        self.size,
                    )
            if self.active >= self.size:
                self.waiting += 1
                try:
                    while self.active >= self.size:
                        self._cond.wait(WAKE_SECONDS)  # slices: a Ctrl-C can raise
                finally:
                    self.waiting -= 1
            self.active += 1

    def resize(self, size: int) -> None:
        """Set the size now, busy or not (``_adaptive`` steers it); waiting calls
        start when it grows, and new ones wait while it is exceeded."""
        with self._lock:
            grew = size > self.size
            self.size = size
            if grew and self.waiting:
                self._cond.notify_all()

    def release(self) -> None:
        """Give a slot back."""
        with self._lock:
            self.active -= 1
            if self.waiting:
                self._cond.notify()


registry: Dict[str, ConnectionLimit] = {}
"""Each connection key's limit (the engine reads it directly: ``registry.get(key)``)."""
_limits_lock = threading.Lock()


def limit_for(key: str, size: int) -> ConnectionLimit:
    """The shared ``ConnectionLimit`` of ``key`` (made with ``size`` on first use)."""
    limit = registry.get(key)
    if limit is None:
        with _limits_lock:
            limit = registry.get(key)
            if limit is None:
                limit = registry[key] = ConnectionLimit(key, size)
    return limit


def _after_fork_in_child() -> None:
    """A forked child starts with no slot taken: its parent's threads are not in it."""
    global registry, _limits_lock
    registry = {}
    _limits_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
