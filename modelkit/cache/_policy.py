"""What to cache and for how long: ``CachePolicy``, expiry units and ``cache_epoch``.

``policy_for`` turns a ``generate(..., cache=...)`` argument into a policy;
``current_epoch`` is the epoch a policy with ``per_epoch`` keys on.
"""

from __future__ import annotations

import contextlib
import math
import re
from contextvars import ContextVar
from typing import Any, Dict, Iterator, Mapping, Optional

import attrs

from .._pydantic_style import PydanticStyle
from ..errors import ConfigError

__all__ = ["CachePolicy", "CacheWarning", "cache_epoch", "current_epoch", "policy_for"]

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
        if (
            not isinstance(name, str)
            or not isinstance(value, (str, int, float, bool))
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            raise ConfigError(
                f"cache scopes must map strings to strings (or finite numbers), got {name!r}: {value!r}"
            )
    return dict(scopes)


@attrs.frozen(init=False)
class CachePolicy(PydanticStyle):
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


_default: Optional[CachePolicy] = None


def policy_for(cache: Any) -> Optional[CachePolicy]:
    """The policy a ``generate(..., cache=...)`` argument (or ``GenerateConfig.cache``)
    asks for, or ``None``. A dict is a policy read back from ``to_dict()``."""
    if cache is False or cache is None:
        return None
    if cache is True:  # the default policy, made once (frozen; never handed to callers)
        global _default
        if _default is None:
            _default = CachePolicy()
        return _default
    if isinstance(cache, CachePolicy):
        return cache
    if isinstance(cache, Mapping) and set(cache) <= {"expiry", "per_epoch", "scopes"}:
        # to_dict() leaves out None, so an absent expiry was None (never expires)
        return CachePolicy(cache.get("expiry"), cache.get("per_epoch", True), cache.get("scopes"))
    raise ConfigError(f"cache must be True, False or a CachePolicy, got {cache!r}")


def current_epoch() -> Optional[int]:
    """The epoch set by the innermost ``cache_epoch`` block, or ``None``."""
    return _epoch.get()
