"""Environment variables read on every call, without ``os.environ``'s Python layers.

``os.environ.get`` answers through four Python functions and, for an
unset variable, a ``KeyError`` raised and caught; the call path reads a
few variables on every call (the cache's directory and server, the
limits server). ``env_value`` reads the mapping ``os.environ`` keeps and
updates on every change made through it, so it always sees what
``os.environ`` holds.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["LIMITS_URL_VAR", "env_value", "env_values"]

LIMITS_URL_VAR = "MODELKIT_LIMITS_URL"
"""Names the Redis server that makes connection limits and budgets fleet-wide
(``_engine.fleet``; read here too, so a call without one never imports it)."""


def env_value(name: str) -> Optional[str]:
    """``os.environ.get(name)``, read at every call, without its Python layers.

    ``os.environ`` answers ``get`` through four Python functions and, for an
    unset variable, a ``KeyError`` raised and caught; a cache lookup reads
    two to six variables. This reads the mapping ``os.environ`` keeps (and
    updates on every change made through it) directly, with the key encoded
    once and the value decoded as ``os.environ`` decodes it; anything else
    in ``os.environ``'s place is asked with ``get``.
    """
    environ = os.environ
    data = getattr(environ, "_data", None)
    if type(data) is not dict or type(environ) is not _Environ:
        return environ.get(name)
    encoded = _encoded_names.get(name)
    if encoded is None:
        encoded = _encoded_names[name] = environ.encodekey(name)
    raw = data.get(encoded)
    return None if raw is None else environ.decodevalue(raw)


def env_values(names: Tuple[str, ...]) -> Tuple[Optional[str], ...]:
    """:func:`env_value` of each of ``names``, in one call."""
    environ = os.environ
    data = getattr(environ, "_data", None)
    values: List[Optional[str]] = []
    if type(data) is not dict or type(environ) is not _Environ:
        for name in names:
            values.append(environ.get(name))
        return tuple(values)
    encoded_names = _encoded_names
    for name in names:
        encoded = encoded_names.get(name)
        if encoded is None:
            encoded = encoded_names[name] = environ.encodekey(name)
        raw = data.get(encoded)
        values.append(None if raw is None else environ.decodevalue(raw))
    return tuple(values)


_Environ = type(os.environ)
_encoded_names: Dict[str, Any] = {}
