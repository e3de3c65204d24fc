"""The response cache on Redis, shared by every process and machine of a fleet.

An entry is one Redis string, ``modelkit:cache:<model dir>:<key hex>``
(the same sha256 key as the sqlite cache, the model directory escaped as
``cache_path`` escapes it), holding the serialised output and expiring by
Redis TTL at the policy's expiry. Redis removes expired entries itself, so
``cache_list_expired`` finds none there and ``cache_prune`` has nothing to do.

In-flight de-duplication: the first process to miss a key claims it
(``SET NX`` with a ``CLAIM_SECONDS`` expiry) and calls the API; a process
missing the same key meanwhile waits for the claimant's entry instead of
calling too, and calls the API itself if the claim is released or
expires without an entry (the claimant failed, or died), or after one claim
life whatever the claim key holds. A call that takes
longer than the claim may therefore reach the API twice, never wrongly.

Nothing here raises because of Redis: every command runs under the link's
guard (any ``redis.exceptions.RedisError``, ``OSError``). Redis down: the
link warns once (a ``CacheWarning``) and lookups miss, so calls go to the
API uncached. An error Redis answers (``WRONGTYPE`` because another client
replaced an entry with a list, ``OOM`` from a full server): one warning, and
that lookup misses (a claim that cannot be written means calling the API at
once, never waiting) or that store is skipped.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

from .._redis import RedisLink, link_for
from ._key import model_dir, model_name
from ._policy import CacheWarning

__all__ = ["CLAIM_SECONDS", "PREFIX", "RedisCache"]

PREFIX = "modelkit:cache:"
"""Prefix of every entry's Redis key."""

CLAIM_PREFIX = "modelkit:claim:"
"""Prefix of the in-flight claims' Redis keys."""

CLAIM_SECONDS = 10.0
"""How long a claim on a missing entry lasts (``$MODELKIT_CACHE_CLAIM_SECONDS``;
``0`` turns in-flight de-duplication off)."""

_POLL = (0.005, 0.1)
"""First and longest wait between looks at a claimed entry, in seconds."""


def claim_seconds() -> float:
    """The claim length in force (from the environment, read at call time)."""
    raw = os.environ.get("MODELKIT_CACHE_CLAIM_SECONDS")
    if not raw:
        return CLAIM_SECONDS
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return CLAIM_SECONDS


class RedisCache:
    """Entry operations and administration of the cache on one Redis server.

    Args:
        url: the Redis URL.
    """

    def __init__(self, url: str) -> None:
        self.link: RedisLink = link_for(url, "response cache", CacheWarning)
        self._claims = threading.local()

    def _entry(self, model: str, key: bytes) -> str:
        return f"{PREFIX}{model_dir(model)}:{key.hex()}"

    def _claim_key(self, model: str, key: bytes) -> str:
        return f"{CLAIM_PREFIX}{model_dir(model)}:{key.hex()}"

    def _held(self) -> Dict[str, bytes]:
        held: Optional[Dict[str, bytes]] = getattr(self._claims, "held", None)
        if held is None:
            held = self._claims.held = {}
        return held

    def _run(self, op: Any, failure: Any = None) -> Any:
        """``op(client)``, or ``failure`` when Redis is resting or the command fails."""
        client = self.link.client()
        if client is None:
            return failure
        try:
            return op(client)
        except self.link.errors as exc:
            self.link.failed(exc)
            return failure

    def get(self, model: str, key: bytes, claim_miss: bool = True) -> Optional[bytes]:
        """The entry for ``key``; on a miss, claim it or wait for whoever has.

        With ``claim_miss=False`` a miss is just a miss (a look, not a call).
        """
        entry = self._entry(model, key)
        client = self.link.client()  # self._run(lambda c: c.get(entry)), without its calls
        found = None
        if client is not None:
            try:
                found = client.get(entry)
            except self.link.errors as exc:
                self.link.failed(exc)
        if found is not None or not claim_miss:  # a hit (the common case) needs no more
            return None if found is None else bytes(found)
        claim = self._claim_key(model, key)
        seconds = claim_seconds()
        token = uuid.uuid4().bytes
        wait = _POLL[0]
        give_up = time.monotonic() + seconds + _POLL[1]
        while True:
            if found is not None or seconds <= 0:
                return None if found is None else bytes(found)
            claimed = self._run(
                lambda c: c.set(claim, token, nx=True, px=int(seconds * 1000)), _FAILED
            )
            if claimed is _FAILED:
                return None  # Redis went away or refused the claim: call the API uncached
            if not claimed and time.monotonic() > give_up:
                return None  # a claim outlived its life (not ours, no expiry): call the API
            if claimed:
                self._held()[claim] = token
                # The claimant before us may have stored and released between our
                # look and our claim: look once more before calling the API.
                found = self._run(lambda c: c.get(entry))
                if found is not None:
                    self.release(model, key)
                    return bytes(found)
                return None
            time.sleep(wait)
            wait = min(wait * 2, _POLL[1])
            found = self._run(lambda c: c.get(entry))

    def put(self, model: str, key: bytes, data: bytes, expires_in: Optional[float]) -> None:
        """Store ``data`` under ``key`` for ``expires_in`` seconds (``None``: for good)."""
        entry = self._entry(model, key)
        ms = None if expires_in is None else max(int(expires_in * 1000), 1)
        self._run(lambda c: c.set(entry, data, px=ms))
        self.release(model, key)

    def release(self, model: str, key: bytes) -> None:
        """Give up this thread's claim on ``key``, if it holds one."""
        claim = self._claim_key(model, key)
        token = self._held().pop(claim, None)
        if token is not None:
            self._run(lambda c: c.eval(_RELEASE, 1, claim, token))

    # --- administration (the cache_* functions) --------------------------------

    def _keys(self, models: List[str]) -> List[bytes]:
        patterns = [f"{PREFIX}*"]
        if models:
            patterns = []
            for model in models:
                directory = model_dir(model.strip("/"))
                patterns += [f"{PREFIX}{directory}:*", f"{PREFIX}{directory}/*"]

        def scan(client: Any) -> List[bytes]:
            found: List[bytes] = []
            for pattern in patterns:
                found += client.scan_iter(match=pattern, count=1000)
            return found

        return self._run(scan) or []

    def sizes(self, models: List[str]) -> Dict[str, int]:
        """Bytes of stored outputs (and keys) per model, for ``models`` or every one."""
        keys = self._keys(models)
        lengths = self._run(lambda c: _pipelined(c, keys)) or []
        sizes: Dict[str, int] = {}
        for name, length in zip(keys, lengths):
            if length:
                model = _model_of(name)
                sizes[model] = sizes.get(model, 0) + int(length) + len(name)
        return sizes

    def entries(self, models: List[str]) -> Dict[str, int]:
        """Stored entries per model, for ``models`` or every one."""
        counts: Dict[str, int] = {}
        for name in self._keys(models):
            model = _model_of(name)
            counts[model] = counts.get(model, 0) + 1
        return counts

    def clear(self, model: str) -> bool:
        """Delete every entry (of ``model`` or a provider prefix); ``True`` if any."""
        keys = self._keys([model] if model else [])
        if not keys:
            return False
        self._run(lambda c: c.delete(*keys))
        return True


_FAILED = object()
"""What ``_run`` returns for a claim that could not be written."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""Delete a claim only if it is still ours (it may have expired and been retaken)."""


def _pipelined(client: Any, keys: List[bytes]) -> List[Any]:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.strlen(key)
    return list(pipe.execute())


def _model_of(redis_key: bytes) -> str:
    text = redis_key.decode("utf-8")[len(PREFIX) :]
    return model_name(text.rsplit(":", 1)[0])
