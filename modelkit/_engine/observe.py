"""The seam for watching calls: hooks, telemetry and usage limits install observers here.

The engine never imports who watches (``modelkit.hooks``, its
OpenTelemetry module and ``modelkit.limits`` register themselves with
``add_observer``). Where a call starts (before its first request is sent),
retries, finishes or fails, and where the response cache answers one, the
engine tells every observer. With none registered, a call pays one check
of an empty tuple.

An observer's ``start`` may raise to refuse the call before anything is
sent (a usage limit does); everything else an observer does must not
raise (hooks and telemetry catch their own failures).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

__all__ = [
    "Observed",
    "Observer",
    "add_observer",
    "cache_hit",
    "observers",
    "remove_observer",
    "start",
]

if TYPE_CHECKING:
    from typing import Protocol

    from .._prepare import GenerateRequest
    from ..api import ModelAPI
    from ..output import ModelOutput

    class Observer(Protocol):
        """What watches calls (each method gets what its moment knows)."""

        def start(
            self, api: ModelAPI, request: GenerateRequest, operation: str, cache_write: bool
        ) -> Any:
            """A call is about to send its first request (``operation``: ``"generate"``,
            ``"stream"`` or ``"count"``); returns this observer's state for the call, or
            raises to refuse it."""

        def retry(
            self, state: Any, api: ModelAPI, error: BaseException, attempt: int, wait: float
        ) -> None:
            """Attempt ``attempt`` failed with ``error``; the next one comes in ``wait`` s."""

        def finish(
            self, state: Any, api: ModelAPI, result: Any, duration: float, retries: int
        ) -> None:
            """The call succeeded: ``result`` is a ``ModelOutput`` or a token count;
            ``duration`` the successful attempt's seconds; ``retries`` made before it."""

        def fail(self, state: Any, api: ModelAPI, error: BaseException) -> None:
            """The call failed for good with ``error``."""

        def cache_hit(self, api: ModelAPI, output: ModelOutput) -> None:
            """The response cache answered a call (nothing was sent)."""

else:
    Observer = Any

observers: Tuple[Observer, ...] = ()
"""The registered observers (read by the engine: empty means nothing to do)."""

_lock = threading.Lock()


def add_observer(observer: Observer) -> None:
    """Tell ``observer`` about every call from now on (once, however often added)."""
    global observers
    with _lock:
        if observer not in observers:
            observers = (*observers, observer)


def remove_observer(observer: Observer) -> None:
    """Stop telling ``observer`` about calls."""
    global observers
    with _lock:
        observers = tuple(o for o in observers if o is not observer)


class Observed:
    """One call as its observers see it: the states their ``start`` returned."""

    __slots__ = ("states",)

    def __init__(self, states: List[Tuple[Observer, Any]]) -> None:
        self.states = states

    def retry(self, api: ModelAPI, error: BaseException, attempt: int, wait: float) -> None:
        """Tell every observer attempt ``attempt`` failed and the next comes in ``wait`` s."""
        for observer, state in self.states:
            observer.retry(state, api, error, attempt, wait)

    def finish(self, api: ModelAPI, result: Any, duration: float, retries: int) -> None:
        """Tell every observer the call succeeded."""
        for observer, state in self.states:
            observer.finish(state, api, result, duration, retries)

    def fail(self, api: ModelAPI, error: BaseException) -> None:
        """Tell every observer the call failed."""
        for observer, state in self.states:
            observer.fail(state, api, error)


def start(
    api: ModelAPI, request: GenerateRequest, operation: str, cache_write: bool = False
) -> Optional[Observed]:
    """Tell the observers a call starts; ``None`` when there are none.

    Raises:
        Whatever an observer raises to refuse the call (a usage limit's
        ``LimitExceededError``); the observers that had started are told it failed.
    """
    current = observers
    if not current:
        return None
    states: List[Tuple[Observer, Any]] = []
    for observer in current:
        try:
            states.append((observer, observer.start(api, request, operation, cache_write)))
        except BaseException as error:
            Observed(states).fail(api, error)
            raise
    return Observed(states)


def cache_hit(api: ModelAPI, output: ModelOutput) -> None:
    """Tell the observers the response cache answered a call."""
    for observer in observers:
        observer.cache_hit(api, output)
