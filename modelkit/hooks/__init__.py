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
