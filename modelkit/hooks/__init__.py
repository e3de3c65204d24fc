"""Model hooks (Inspect's model-level ones) and, in ``telemetry``, OpenTelemetry spans.

Subclass ``Hooks``, override the methods you need and register the class
with ``@hooks(name, description)``::

    from modelkit.hooks import Hooks, ModelUsageData, hooks

    @hooks("spend", "adds up what calls cost")
    class Spend(Hooks):
        def on_model_usage(self, data: ModelUsageData) -> None:
            print(data.model_name, data.usage.total_cost)

Nothing here is imported by ``import modelkit``; the engine learns of hooks
only through the observer they install (``_engine.observe``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Dict, List

if TYPE_CHECKING:
    from ._events import (
        ApiKeyOverride,
        BeforeModelGenerate,
        ModelCacheUsageData,
        ModelRetry,
        ModelUsageData,
    )
    from ._hooks import Hooks
    from ._registry import hooks, registered_hooks, unregister_hooks

__all__ = [
    "ApiKeyOverride",
    "BeforeModelGenerate",
    "Hooks",
    "ModelCacheUsageData",
    "ModelRetry",
    "ModelUsageData",
    "hooks",
    "registered_hooks",
    "unregister_hooks",
]

_MODULE_OF: Dict[str, str] = {
    "ApiKeyOverride": "_events",
    "BeforeModelGenerate": "_events",
    "ModelCacheUsageData": "_events",
    "ModelRetry": "_events",
    "ModelUsageData": "_events",
    "Hooks": "_hooks",
    "hooks": "_registry",
    "registered_hooks": "_registry",
    "unregister_hooks": "_registry",
}
"""Where each public name lives: loaded on first use (PEP 562), so the engine's
OpenTelemetry probe (``_probe``, imported with ``modelkit.model``) does not
build the event classes a first call without hooks never uses (cold start)."""


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
