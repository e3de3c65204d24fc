"""The emitter: turns the engine's observations into calls of the registered hooks.

Installed as an engine observer (``_engine.observe``) while hooks are
registered. Each hook method runs only if its class overrides it and
``enabled()`` says so, hooks in registration order; a coroutine it returns runs on a private event
loop in a daemon thread (``run_async``). A hook that raises is logged once
as a warning (later failures of the same method at DEBUG) and the call
goes on, unless what it raised is a ``LimitExceededError``: as in Inspect,
that one reaches the caller (a hook may enforce a limit).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Coroutine as _Coroutine
from typing import TYPE_CHECKING, Any, Coroutine, Dict, Optional, Set, Tuple

from ..errors import LimitExceededError
from ._events import (
    ApiKeyOverride,
    BeforeModelGenerate,
    ModelCacheUsageData,
    ModelRetry,
    ModelUsageData,
)
from ._hooks import Hooks, overrides

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI
    from ..output import ModelOutput

__all__ = ["EMITTER", "override_api_key", "publish", "run_async", "snapshot"]

logger = logging.getLogger("modelkit")

snapshot: Tuple[Tuple[str, Hooks], ...] = ()
"""The registered hooks, in order (read without a lock; ``publish`` replaces it)."""
_overriding: Dict[str, Tuple[Tuple[str, Hooks], ...]] = {}
"""For each hook method, the registered hooks that override it (made by ``publish``)."""
_METHODS = (
    "on_before_model_generate",
    "on_model_usage",
    "on_model_cache_usage",
    "on_model_retry",
    "override_api_key",
)
_failed: Set[Tuple[str, str]] = set()
_loop: Optional[Any] = None  # the asyncio loop, made on first use
_loop_lock = threading.Lock()


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` to completion on the private loop and return its result."""
    import asyncio

    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="modelkit-hooks", daemon=True)
            thread.start()
            _loop = loop
    return asyncio.run_coroutine_threadsafe(coroutine, _loop).result()


def _call(method: str, data: Any, first: bool = False) -> Any:
    """Call ``method`` of every enabled hook overriding it; the last non-``None`` result
    (with ``first``: stop at the first hook that gives one).

    Raises:
        LimitExceededError: a hook raised it (Inspect lets hooks enforce limits).
    """
    result = None
    for name, hook in _overriding.get(method, ()):
        try:
            if not hook.enabled():
                continue
            value = getattr(hook, method)(data)
            if isinstance(value, _Coroutine):
                value = run_async(value)
            if value is not None:
                result = value
                if first:
                    break
        except LimitExceededError:
            raise
        except Exception as error:
            _report(name, method, error)
    return result


def _report(name: str, method: str, error: Exception) -> None:
    first = (name, method) not in _failed
    _failed.add((name, method))
    # override_api_key's errors may quote the key: name the type only.
    text = type(error).__name__ if method == "override_api_key" else f"{error!r}"
    logger.log(
        logging.WARNING if first else logging.DEBUG,
        "modelkit: hook %r raised in %s (the call goes on%s): %s",
        name,
        method,
        "; further failures of it are logged at DEBUG" if first else "",
        text,
    )


def _model_name(api: ModelAPI) -> str:
    return f"{api.provider}/{api.model_name}" if api.provider else api.model_name


def _before_generate(api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
    if _overriding.get("on_before_model_generate"):
        data = BeforeModelGenerate(
            model_name=_model_name(api),
            input=request.input,
            tools=request.tools,
            tool_choice=request.tool_choice,
            config=request.config,
            cache="write" if cache_write else None,
        )
        _call("on_before_model_generate", data)


class _Emitter:
    """The engine observer that calls the hooks."""

    def before(self, api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
        _before_generate(api, request, cache_write)

    def start(
        self, api: ModelAPI, request: GenerateRequest, operation: str, cache_write: bool
    ) -> Any:
        return None if operation == "count" else cache_write

    def attempt(self, state: Any, api: ModelAPI, request: GenerateRequest, number: int) -> None:
        if state is not None and number > 1:  # a retry is announced, as Inspect's retried
            _before_generate(api, request, state)  # generate does (the first was, by before)

    def retry(
        self, state: Any, api: ModelAPI, error: BaseException, attempt: int, wait: float
    ) -> None:
        if not _overriding.get("on_model_retry"):
            return
        status = getattr(error, "status", None)
        data = ModelRetry(
            model_name=_model_name(api),
            attempt=attempt,
            wait_time=float(wait),
            exception_type=type(error).__name__,
            status_code=status if isinstance(status, int) else None,
        )
        _call("on_model_retry", data)

    def finish(self, state: Any, api: ModelAPI, result: Any, duration: float, retries: int) -> None:
        usage = getattr(result, "usage", None)
        if state is None or usage is None or not _overriding.get("on_model_usage"):
            return  # a token count, no usage reported, or no hook for it
        data = ModelUsageData(
            model_name=_model_name(api), usage=usage, call_duration=duration, retries=retries
        )
        _call("on_model_usage", data)

    def fail(self, state: Any, api: ModelAPI, error: BaseException) -> None:
        pass

    def cache_hit(self, api: ModelAPI, output: ModelOutput) -> None:
        if output.usage is not None and _overriding.get("on_model_cache_usage"):
            _call("on_model_cache_usage", ModelCacheUsageData(_model_name(api), output.usage))

    def settle(self, api: ModelAPI, output: ModelOutput) -> None:
        pass


EMITTER = _Emitter()
"""The one emitter (added to and removed from the engine's observers by ``_hooks``)."""


def override_api_key(env_var_name: str, value: str) -> Optional[str]:
    """The key the hooks give for ``env_var_name`` (``None``: keep ``value``)."""
    data = ApiKeyOverride(env_var_name, value)
    result: Optional[str] = _call("override_api_key", data, first=True)
    return result if isinstance(result, str) and result else None


def publish(registered: Tuple[Tuple[str, Hooks], ...]) -> None:
    """Make ``registered`` the hooks calls see; (un)install the observer and key seam."""
    global snapshot, _overriding
    from .. import api
    from .._engine import observe

    _overriding = {m: tuple((n, h) for n, h in registered if overrides(h, m)) for m in _METHODS}
    snapshot = registered
    if registered:
        observe.add_observer(EMITTER)
    else:
        observe.remove_observer(EMITTER)
    keys = bool(_overriding["override_api_key"])
    api.api_key_override = override_api_key if keys else None
