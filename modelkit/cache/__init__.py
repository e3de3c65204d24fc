"""The response cache: ``CachePolicy``, ``cache_epoch`` and the ``cache_*`` functions.

``Model.generate(..., cache=True)`` (or a ``CachePolicy``) looks the request
up before calling the API and stores each successful output after. Owns the
policy (``_policy``), the key (``_key``), the lookup seams ``Model`` calls
(``_lookup``), the sqlite store (``_db``, ``_store``) and its administration
(``_admin``). May import the shared types, ``api`` and ``_prepare``; never
``model``, the engine, a provider or the CLI.
"""

from __future__ import annotations

from ._admin import cache_clear, cache_list_expired, cache_prune, cache_size
from ._key import cache_path
from ._policy import CachePolicy, CacheWarning, cache_epoch

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
