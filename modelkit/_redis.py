"""Redis connections for the shared response cache and the fleet-wide limits.

Redis is optional (``pip install redis``): this module imports the
``redis`` package only when a ``redis://`` (``rediss://``, ``unix://``) URL
is first used, never at ``import modelkit``. ``link_for`` gives one
``RedisLink`` per URL and purpose; its ``client()`` is this process's
client (made again after a ``fork``, never shared with the parent), or
``None`` while Redis is unreachable. Every command runs under
``except link.errors`` (any ``redis.exceptions.RedisError``, and
``OSError``) and a failure goes to ``failed()``, which warns once per kind
(with the caller's warning category): a server that cannot be reached
makes the link rest ``RETRY_SECONDS`` before trying again, so a server that
is down costs each call nothing but a lookup; an error the server answers
(``WRONGTYPE`` on a key another client replaced, ``OOM`` from a full
server, ``READONLY`` replica) fails that command alone, and the caller
misses or skips. Nothing raises because of Redis but a missing ``redis``
package or a URL it cannot read (a ``ConfigError``). The URL's passwords,
in its userinfo or its query (``?password=``), never appear in a message
or repr: ``redact_url`` masks them and ``failed`` removes them from the
error's text.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from typing import Any, Dict, Set, Tuple, Type

from ._redact import redact_text, url_secrets
from ._redact import redact_url as _redact_url
from .errors import ConfigError

__all__ = ["REDIS_SCHEMES", "RETRY_SECONDS", "RedisLink", "is_redis_url", "link_for"]

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
"""URL schemes served by Redis."""

RETRY_SECONDS = 10.0
"""How long a link leaves Redis alone after a failure before trying again."""

CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a connection to Redis."""

COMMAND_TIMEOUT = 5.0
"""Seconds to wait for one Redis command's answer."""


def is_redis_url(url: str) -> bool:
    """Whether ``url`` names a Redis server."""
    return url.lower().startswith(REDIS_SCHEMES)


class RedisLink:
    """One process's way to one Redis server, for one purpose.

    Args:
        url: the server's URL (``redis://host:6379/0``).
        purpose: what it serves, for messages (``"response cache"``).
        category: the warning category of the one warning about a failure.
    """

    def __init__(self, url: str, purpose: str, category: Type[Warning]) -> None:
        self.url = url
        self.purpose = purpose
        self.category = category
        self._lock = threading.Lock()
        self._client: Any = None
        self._pid = -1
        self._down_until = 0.0
        self._warned: Set[bool] = set()

    def __repr__(self) -> str:
        return f"RedisLink({_redact_url(self.url)!r}, {self.purpose!r})"

    def client(self) -> Any:
        """This process's ``redis.Redis`` client, or ``None`` while Redis is resting.

        Raises:
            ConfigError: the ``redis`` package is not installed.
        """
        if self._down_until and time.monotonic() < self._down_until:
            return None
        pid = os.getpid()
        if self._client is not None and self._pid == pid:
            return self._client
        with self._lock:
            if self._client is None or self._pid != pid:
                self._client = _make_client(self.url, self.purpose)
                self._pid = pid
            return self._client

    def failed(self, exc: BaseException) -> None:
        """Record that a command failed; warn the first time for its kind.

        Unreachable (connection, timeout, ``OSError``): rest ``RETRY_SECONDS``.
        An error the server answered (``WRONGTYPE``, ``OOM``...): that
        command alone failed; the link stays up.
        """
        unreachable = self._unreachable(exc)
        with self._lock:
            if unreachable:
                self._down_until = time.monotonic() + RETRY_SECONDS
            warn = unreachable not in self._warned
            self._warned.add(unreachable)
        if warn:
            detail = redact_text(f"{type(exc).__name__}: {exc}", url_secrets(self.url))
            where = f"{self.purpose}: Redis at {_redact_url(self.url)}"
            if unreachable:
                text = f"{where} is unreachable ({detail}); {self._fallback(True)}"
            else:
                text = f"{where} answered an error ({detail}); {self._fallback(False)}"
            warnings.warn(text, self.category, stacklevel=3)

    def _fallback(self, unreachable: bool) -> str:
        if "cache" in self.purpose:
            if unreachable:
                return "calls go to the API uncached until it answers again"
            return "such lookups miss and such stores are skipped (the calls still succeed)"
        if unreachable:
            return "limits are kept per process until it answers again"
        return "such calls go on without the fleet-wide limit"

    @staticmethod
    def _unreachable(exc: BaseException) -> bool:
        import redis

        reachless = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
        return isinstance(exc, reachless)

    @property
    def errors(self) -> Tuple[Type[BaseException], ...]:
        """The exceptions a Redis command may raise: every ``RedisError``, and ``OSError``."""
        import redis

        return (redis.exceptions.RedisError, OSError)


def _make_client(url: str, purpose: str) -> Any:
    try:
        import redis
    except ImportError as exc:
        raise ConfigError(
            f"{purpose}: {_redact_url(url)} needs the redis package: "
            "pip install redis (or unset the variable to stay on one machine)"
        ) from exc
    try:
        return redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=COMMAND_TIMEOUT,
            health_check_interval=30,
        )
    except ValueError as exc:
        reason = redact_text(str(exc), url_secrets(url))
        raise ConfigError(f"{purpose}: bad Redis URL {_redact_url(url)}: {reason}") from None


_links: Dict[Tuple[str, str], RedisLink] = {}
_links_lock = threading.Lock()


def link_for(url: str, purpose: str, category: Type[Warning]) -> RedisLink:
    """The shared ``RedisLink`` of ``url`` for ``purpose`` (made on first use)."""
    key = (url, purpose)
    link = _links.get(key)
    if link is None:
        with _links_lock:
            link = _links.get(key)
            if link is None:
                link = _links[key] = RedisLink(url, purpose, category)
    return link
