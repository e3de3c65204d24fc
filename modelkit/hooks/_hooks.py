"""``Hooks``: the base class of model hooks, and which of its methods a class overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from ._events import (
        ApiKeyOverride,
        BeforeModelGenerate,
        ModelCacheUsageData,
        ModelRetry,
        ModelUsageData,
    )

__all__ = ["Hooks", "overrides"]


class Hooks:
    """Base class for model hooks: override the methods you need.

    A method may be a plain function or ``async def``; an async one is run to
    completion on modelkit's private event loop (its own thread), so the
    caller never needs a loop. Hooks run in the thread of the call, in
    registration order, and the call waits for them. A hook that raises is
    logged (a warning the first time, then at DEBUG) and never breaks the call.
    """

    def enabled(self) -> bool:
        """Whether the hooks run now (asked before each one; default ``True``)."""
        return True

    def on_before_model_generate(self, data: BeforeModelGenerate) -> Any:
        """Before a call sends its first request (not for cache hits)."""

    def on_model_usage(self, data: ModelUsageData) -> Any:
        """After a call to the provider succeeded (generate or stream)."""

    def on_model_cache_usage(self, data: ModelCacheUsageData) -> Any:
        """After the response cache answered a call."""

    def on_model_retry(self, data: ModelRetry) -> Any:
        """After an attempt failed, before waiting for the next one."""

    def override_api_key(self, data: ApiKeyOverride) -> Optional[str]:
        """The API key to use instead of ``data.value`` (``None``: keep it).

        Asked when a model's API is created (``get_model``), for each of its
        provider's key variables; the environment is never written.
        """
        return None


def overrides(instance: Hooks, method: str) -> bool:
    """Whether ``instance``'s class defines ``method`` itself (not ``Hooks``'s no-op)."""
    return getattr(type(instance), method, None) is not getattr(Hooks, method)
