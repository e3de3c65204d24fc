"""The response cache: ``CachePolicy`` and the ``cache_*`` functions.

(The sqlite3 store lands with the cache issue; until then a policy is
accepted and validated, and lookups always miss.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import attrs

from .errors import ConfigError
from .output import ModelOutput

if TYPE_CHECKING:
    from .model import GenerateRequest, Model

__all__ = [
    "CachePolicy",
    "cache_clear",
    "cache_list_expired",
    "cache_path",
    "cache_prune",
    "cache_size",
]


@attrs.frozen(init=False)
class CachePolicy:
    """How generate responses are cached.

    Args:
        expiry: how long an entry lives, e.g. ``"12h"`` or ``"1W"``; ``None``
            keeps it forever.
        per_epoch: cache separately for each epoch.
        scopes: extra values that become part of the cache key.
    """

    expiry: Optional[str]
    per_epoch: bool
    scopes: Dict[str, str]

    def __init__(
        self,
        expiry: Optional[str] = "1W",
        per_epoch: bool = True,
        scopes: Optional[Dict[str, str]] = None,
    ) -> None:
        self.__attrs_init__(expiry, per_epoch, dict(scopes or {}))  # type: ignore[attr-defined]


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
    """The cached output for ``request``, or ``None``."""
    return None


def store(model: Model, request: GenerateRequest, policy: CachePolicy, output: ModelOutput) -> None:
    """Keep ``output`` as the answer to ``request``."""


def cache_path(model: str = "") -> Path:
    """The cache directory, or one model's directory within it."""
    root = os.environ.get("MODELKIT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "modelkit",
    )
    return Path(root) / model if model else Path(root)


def cache_size(subdirs: List[str] = [], files: List[Path] = []) -> List[Tuple[str, int]]:
    """The size in bytes of each model's cache."""
    return []


def cache_clear(model: str = "") -> bool:
    """Delete the cache (or one model's)."""
    return False


def cache_list_expired(filter_by: List[str] = []) -> List[Path]:
    """Paths of expired entries."""
    return []


def cache_prune(files: List[Path] = []) -> None:
    """Delete expired entries (or the ones given)."""
