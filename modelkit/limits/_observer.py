"""Where usage limits meet calls: the engine observer that checks and counts.

Installed in the engine's observers (``_engine.observe``) while a limit is
entered somewhere in the process, and removed when the last one exits, so
calls outside any limit pay nothing for limits. For a call made where a
``token_limit`` or ``cost_limit`` is in force:

* before each attempt is sent (after the response cache's lookup, so a
  cache hit is never refused, and after any wait for a connection), a limit
  whose usage has reached it refuses the request with ``LimitExceededError``;
* when the provider has answered, the call's usage is counted in the limits
  that were in force when it started (a token count, ``Model.count_tokens``,
  is not a generation and counts nothing);
* once the output is counted (``settle``: model usage, response cache), a
  limit its usage crossed raises ``LimitExceededError``.

Provider batch results are counted when they are read (``count_batch``).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Iterable, Optional, Set, Tuple

from .._engine import observe
from ..output import ModelOutput
from ._trees import Node, cost_tree, token_suspended, token_tree

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI

__all__ = ["check_before_sending", "count_batch", "entered", "exited"]

logger = logging.getLogger("modelkit")

_active = 0
_active_lock = threading.Lock()
_unpriced: Set[Tuple[Optional[str], str]] = set()


def entered() -> None:
    """A limit was entered: watch calls."""
    global _active
    with _active_lock:
        _active += 1
        observe.add_observer(OBSERVER)


def exited() -> None:
    """A limit was exited: stop watching calls when it was the last one."""
    global _active
    with _active_lock:
        _active -= 1
        if _active <= 0:
            _active = 0
            observe.remove_observer(OBSERVER)


def _in_force() -> Tuple[Optional[Node], Optional[Node]]:
    tokens = None if token_suspended.get() else token_tree.leaf.get()
    return tokens, cost_tree.leaf.get()


def check_before_sending() -> None:
    """Refuse a request (``LimitExceededError``) when a limit in force is reached."""
    tokens, cost = _in_force()
    if tokens is not None:
        tokens.check(raise_for_equal=True)
    if cost is not None:
        cost.check(raise_for_equal=True)


def _count(api: Any, output: ModelOutput, limits: Tuple[Optional[Node], Optional[Node]]) -> None:
    usage = output.usage
    tokens, cost = limits
    if usage is None:
        return
    if tokens is not None:
        tokens.record(usage)
    if cost is not None:
        if usage.total_cost is not None:
            cost.record(usage)
        else:
            _say_unpriced(api)


def _say_unpriced(api: Any) -> None:
    where = (getattr(api, "provider", None), getattr(api, "model_name", ""))
    if where in _unpriced:
        return
    _unpriced.add(where)
    logger.warning(
        "modelkit: cost_limit cannot count calls to %s/%s: no price is known for it "
        "(set one with set_model_cost); they count $0",
        *where,
    )


def count_batch(api: Any, outputs: Iterable[Any]) -> None:
    """Count a provider batch's outputs, as they are read, in the limits in force."""
    limits = _in_force()
    if limits == (None, None):
        return
    for output in outputs:
        if isinstance(output, ModelOutput):
            _count(api, output, limits)


class _Limits:
    """The engine observer (see the module)."""

    def before(self, api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
        pass

    def start(
        self, api: ModelAPI, request: GenerateRequest, operation: str, cache_write: bool
    ) -> Any:
        if operation == "count":
            return None
        limits = _in_force()
        return None if limits == (None, None) else limits

    def attempt(self, state: Any, api: ModelAPI, request: GenerateRequest, number: int) -> None:
        if state is not None:
            check_before_sending()

    def retry(
        self, state: Any, api: ModelAPI, error: BaseException, attempt: int, wait: float
    ) -> None:
        pass

    def finish(self, state: Any, api: ModelAPI, result: Any, duration: float, retries: int) -> None:
        if state is not None and isinstance(result, ModelOutput):
            _count(api, result, state)

    def fail(self, state: Any, api: ModelAPI, error: BaseException) -> None:
        pass

    def cache_hit(self, api: ModelAPI, output: ModelOutput) -> None:
        pass

    def settle(self, api: ModelAPI, output: ModelOutput) -> None:
        tokens, cost = _in_force()
        if tokens is not None:
            tokens.check(recent=True)
        if cost is not None:
            cost.check(recent=True)


OBSERVER = _Limits()
"""The one limits observer."""
