"""Decides at a process's first call whether to emit OpenTelemetry spans (``telemetry``).

``arm()`` (called when ``modelkit.model`` is imported) installs the probe as
an engine observer. The first call that starts removes it and, unless
``MODELKIT_OTEL=0``, looks for ``opentelemetry`` without importing it; only
if it is installed, and the application has imported its ``trace`` or
``metrics`` API or names a provider in the environment, is ``telemetry``
imported, and only if the application has configured a tracer or meter
provider does it stay on. So ``import modelkit`` never imports
OpenTelemetry, and without it nothing changes.
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from .._engine import observe

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI
    from ..output import ModelOutput

__all__ = ["arm"]

OFF = ("0", "false", "no", "off")


def _may_be_configured() -> bool:
    """Whether an OpenTelemetry provider can have been set: not unless the
    application imported the API's ``trace`` or ``metrics`` (a provider is set
    through them) or names one in ``OTEL_PYTHON_TRACER_PROVIDER`` /
    ``OTEL_PYTHON_METER_PROVIDER`` (which the API loads on first use). When
    neither, ``telemetry.configured()`` is false, so ``telemetry`` and the
    OpenTelemetry API are not imported to find that out (cold start)."""
    return (
        "opentelemetry.trace" in sys.modules
        or "opentelemetry.metrics" in sys.modules
        or "OTEL_PYTHON_TRACER_PROVIDER" in os.environ
        or "OTEL_PYTHON_METER_PROVIDER" in os.environ
    )


class _Probe:
    """An engine observer for one call: decides, then hands the call to ``telemetry``."""

    def __init__(self) -> None:
        self.decided = False

    def start(
        self, api: ModelAPI, request: GenerateRequest, operation: str, cache_write: bool
    ) -> Any:
        observe.remove_observer(self)
        if self.decided:  # another thread's first call decided
            return None
        self.decided = True
        if os.environ.get("MODELKIT_OTEL", "").strip().lower() in OFF:
            return None
        if not _may_be_configured() or find_spec("opentelemetry") is None:
            return None
        try:
            from . import telemetry
        except ImportError:  # a partial or broken install: stay off
            return None
        if not telemetry.configured():
            return None
        telemetry.instrument()
        return telemetry.OBSERVER.start(api, request, operation, cache_write)

    def before(self, api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
        pass

    def attempt(self, state: Any, api: ModelAPI, request: GenerateRequest, number: int) -> None:
        pass

    def settle(self, api: ModelAPI, output: ModelOutput) -> None:
        pass

    def retry(
        self, state: Any, api: ModelAPI, error: BaseException, attempt: int, wait: float
    ) -> None:
        if state is not None:
            from .telemetry import OBSERVER

            OBSERVER.retry(state, api, error, attempt, wait)

    def finish(self, state: Any, api: ModelAPI, result: Any, duration: float, retries: int) -> None:
        if state is not None:
            from .telemetry import OBSERVER

            OBSERVER.finish(state, api, result, duration, retries)

    def fail(self, state: Any, api: ModelAPI, error: BaseException) -> None:
        if state is not None:
            from .telemetry import OBSERVER

            OBSERVER.fail(state, api, error)

    def cache_hit(self, api: ModelAPI, output: ModelOutput) -> None:
        pass


_PROBE = _Probe()


def arm() -> None:
    """Install the probe unless a process's first call has already decided."""
    if not _PROBE.decided:
        observe.add_observer(_PROBE)
