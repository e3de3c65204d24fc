"""Which store holds the response cache: sqlite (the default) or Redis.

``$MODELKIT_CACHE_URL`` (read at call time) chooses: unset or empty keeps
the sqlite cache under ``cache_path()``; a ``redis://`` (``rediss://``,
``unix://``) URL shares one cache on that Redis server between every
process and machine that names it (``_redis``). ``shared()`` returns the
Redis store in force, or ``None`` for sqlite; the entry and administration
seams (``_lookup``, ``_admin``) ask it first. The same key, the same
policies and the same ``cache_*`` functions serve both.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Dict, Optional

from .._env import env_value
from .._redact import redact_url
from .._redis import is_redis_url
from ..errors import ConfigError

if TYPE_CHECKING:
    from ._redis import RedisCache

__all__ = ["CACHE_URL_VAR", "shared"]

CACHE_URL_VAR = "MODELKIT_CACHE_URL"
"""The environment variable naming a shared cache server."""

_stores: Dict[str, RedisCache] = {}
_stores_lock = threading.Lock()


def shared(url: Optional[str] = None) -> Optional[RedisCache]:
    """The Redis store named by ``url`` (default ``$MODELKIT_CACHE_URL``), or ``None``.

    Raises:
        ConfigError: the URL is neither empty nor a Redis URL, or the
            ``redis`` package is missing.
    """
    if url is None:
        url = env_value(CACHE_URL_VAR)
        if not url:
            return None
    url = url.strip()
    if not url:
        return None
    if not is_redis_url(url):
        raise ConfigError(
            f"${CACHE_URL_VAR}={redact_url(url)!r} is not a Redis URL: use "
            "redis://host:6379/0 (or rediss://, unix://), or leave it unset for the "
            "sqlite cache under $MODELKIT_CACHE_DIR"
        )
    store = _stores.get(url)
    if store is None:
        from ._redis import RedisCache

        with _stores_lock:
            store = _stores.get(url)
            if store is None:
                store = _stores[url] = RedisCache(url)
    return store
