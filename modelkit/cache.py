"""The response cache: ``CachePolicy``, ``cache_epoch`` and the ``cache_*`` functions.

``Model.generate(..., cache=True)`` (or a ``CachePolicy``) looks the
request up before calling the API and stores each successful output after.
The key is a sha256 over a canonical JSON of everything that changes the
answer (see ``_cache_key``); entries live in one sqlite3 database per model
under :func:`cache_path` (see ``_cache_store``). An entry past its expiry is
never returned. The cache never fails a call: when it cannot work it warns
(``CacheWarning``) or logs, and the call goes to the API.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, Optional, Tuple

import attrs

from ._cache_admin import cache_clear, cache_list_expired, cache_prune, cache_size
from ._cache_key import DB_NAME, cache_path
from .errors import CacheError, ConfigError
from .output import ModelOutput

if TYPE_CHECKING:
    from .model import GenerateRequest, Model

__all__ = [
    "CachePolicy",
    "CacheWarning",
    "cache_clear",
    "cache_epoch",
    "cache_list_expired",
    "cache_path",
    "cache_prune",
    "cache_size",
]

logger = logging.getLogger("modelkit")

EXPIRY_UNITS: Dict[str, int] = {
    "s": 1,
    "m": 60,
    "h": 60 * 60,
    "D": 24 * 60 * 60,
    "W": 7 * 24 * 60 * 60,
    "M": 30 * 24 * 60 * 60,
    "Y": 365 * 24 * 60 * 60,
}
"""Seconds per expiry unit. ``M`` is 30 days and ``Y`` 365 days, as in Inspect."""

_EXPIRY = re.compile(r"([1-9][0-9]*)([smhDWMY])")

_epoch: ContextVar[Optional[int]] = ContextVar("modelkit_cache_epoch", default=None)


class CacheWarning(UserWarning):
    """The response cache could not be used and was bypassed (or recreated)."""


def parse_expiry(expiry: Optional[str]) -> Optional[int]:
    """Seconds in an expiry string such as ``"12h"``; ``None`` stays ``None``.

    Raises:
        ConfigError: ``expiry`` is not a positive whole number and one unit.
    """
    if expiry is None:
        return None
    match = _EXPIRY.fullmatch(expiry) if isinstance(expiry, str) else None
    if match is None:
        raise ConfigError(
            f"cache expiry must be a positive whole number and a unit, e.g. '30s', '15m', "
            f"'12h', '2D', '1W', '3M', '1Y' (s=seconds, m=minutes, h=hours, D=days, W=weeks, "
            f"M=30 days, Y=365 days), or None for never; got {expiry!r}"
        )
    return int(match.group(1)) * EXPIRY_UNITS[match.group(2)]


def _check_scopes(scopes: Any) -> Dict[str, Any]:
    if not isinstance(scopes, Mapping):
        raise ConfigError(f"cache scopes must be a dict of str to str, got {scopes!r}")
    for name, value in scopes.items():
        if not isinstance(name, str) or not isinstance(value, (str, int, float, bool)):
            raise ConfigError(
                f"cache scopes must map strings to strings (or numbers), got {name!r}: {value!r}"
            )
    return dict(scopes)


@attrs.frozen(init=False)
class CachePolicy:
    """How generate responses are cached.

    Args:
        expiry: how long an entry lives: a whole number and a unit, ``s``
            seconds, ``m`` minutes, ``h`` hours, ``D`` days, ``W`` weeks,
            ``M`` months of 30 days, ``Y`` years of 365 days (``"12h"``,
            ``"1W"``); ``None`` keeps entries until cleared.
        per_epoch: key entries by the epoch set with :func:`cache_epoch`.
        scopes: extra values that become part of the cache key.

    Raises:
        ConfigError: a malformed expiry or scopes.
    """

    expiry: Optional[str]
    per_epoch: bool
    scopes: Dict[str, Any]

    def __init__(
        self,
        expiry: Optional[str] = "1W",
        per_epoch: bool = True,
        scopes: Optional[Mapping[str, Any]] = {},
    ) -> None:
        parse_expiry(expiry)
        if not isinstance(per_epoch, bool):
            raise ConfigError(f"per_epoch must be True or False, got {per_epoch!r}")
        self.__attrs_init__(expiry, per_epoch, _check_scopes(scopes or {}))

    @property
    def expiry_seconds(self) -> Optional[int]:
        """The expiry in seconds (``None``: never expires)."""
        return parse_expiry(self.expiry)


@contextlib.contextmanager
def cache_epoch(epoch: int) -> Iterator[None]:
    """Within the block, cache keys of ``per_epoch`` policies include ``epoch``.

    The value lives in a ``contextvars.ContextVar``, so it reaches the worker
    threads of ``Model.generate_many`` (they run in a copy of the caller's
    context) and is separate per thread and per asyncio task otherwise.

    Raises:
        ConfigError: ``epoch`` is not an integer.
    """
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise ConfigError(f"cache epoch must be an integer, got {epoch!r}")
    token = _epoch.set(epoch)
    try:
        yield
    finally:
        _epoch.reset(token)


# --- the seams Model.generate calls ----------------------------------------------


def policy_for(cache: Any) -> Optional[CachePolicy]:
    """The policy a ``generate(..., cache=...)`` argument asks for, or ``None``."""
    if cache is False or cache is None:
        return None
    if cache is True:
        return CachePolicy()
    if isinstance(cache, CachePolicy):
        return cache
    raise ConfigError(f"cache must be True, False or a CachePolicy, got {cache!r}")


def fetch(model: Model, request: GenerateRequest, policy: CachePolicy) -> Optional[ModelOutput]:
    """The cached output for ``request`` (marked ``cached=True``), or ``None``."""
    located = _locate(model, request, policy)
    if located is None:
        return None
    db, key = located
    from . import _cache_store

    try:
        data = _cache_store.get(db, key)
    except CacheError as exc:
        logger.warning("response cache lookup failed, calling the API: %s", exc)
        return None
    if data is None:
        logger.debug("cache miss: %s key=%s", model, key.hex()[:16])
        return None
    try:
        output = ModelOutput.from_dict(json.loads(data))
    except (ValueError, TypeError, KeyError) as exc:
        logger.warning("response cache entry %s unreadable, calling the API: %s", key.hex(), exc)
        return None
    output.cached = True
    logger.debug("cache hit: %s key=%s", model, key.hex()[:16])
    return output


def store(model: Model, request: GenerateRequest, policy: CachePolicy, output: ModelOutput) -> None:
    """Keep ``output`` as the answer to ``request`` until the policy's expiry."""
    located = _locate(model, request, policy)
    if located is None:
        return
    db, key = located
    try:
        data = json.dumps(output.to_dict(), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        logger.warning("output not cached: it does not serialise to JSON: %s", exc)
        return
    from . import _cache_store

    try:
        _cache_store.put(db, key, data.encode("utf-8"), policy.expiry_seconds)
    except CacheError as exc:
        logger.warning("output not cached: %s", exc)


def _locate(
    model: Model, request: GenerateRequest, policy: CachePolicy
) -> Optional[Tuple[Path, bytes]]:
    from ._cache_key import key_document, request_key

    epoch = _epoch.get() if policy.per_epoch else None
    document = key_document(
        model.api.provider, model.name, model.api.base_url, request, epoch, policy.scopes
    )
    try:
        key = request_key(document)
    except (TypeError, ValueError) as exc:
        logger.warning("request not cacheable: %s", exc)
        return None
    return cache_path(str(model)) / DB_NAME, key
