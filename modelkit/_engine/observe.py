"""The seam for watching calls: hooks, telemetry and usage limits install observers here.

The engine never imports who watches (``modelkit.hooks``, its
OpenTelemetry module and the usage limits register themselves with
``add_observer``). The model tells every observer when a generate or
stream is asked for (``before``: ahead of the response cache's lookup) and,
after a call to the provider, once its output is counted (``settle``); the
engine tells them where a call to the provider starts (before it waits for
a connection), is about to send each attempt, retries, finishes or fails, and
the response cache where it answers one. With none registered, a call pays
one check of an empty tuple at each of those places.

Only a usage limit's ``LimitExceededError`` may leave an observer: from
``start`` and ``attempt`` (the request is refused: nothing is sent), from
``settle`` (the call's usage crossed a limit), and from ``before`` and
``finish`` when a hook raises it, as Inspect lets hooks enforce limits.
Everything else an observer does must not raise (hooks and telemetry catch
their own failures).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

__all__ = [
    "Observed",
    "Observer",
    "add_observer",
    "before",
    "cache_hit",
    "observers",
    "remove_observer",
    "settle",
    "start",
]

if TYPE_CHECKING:
    from typing import Protocol

    from .._prepare import GenerateRequest
    from ..api import ModelAPI
    from ..output import ModelOutput

    class Observer(Protocol):
        """What watches calls (each method gets what its moment knows)."""

        def before(self, api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
            """A generate or stream was asked for, ahead of the cache lookup; it may
            change ``request``'s input, tools and config (hooks do)."""

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

        def attempt(self, state: Any, api: ModelAPI, request: GenerateRequest, number: int) -> None:
            """Attempt ``number`` (1 for the first) is about to be sent, every wait for a
            connection, budget or backoff behind it; raises to refuse it."""

        def finish(
            self, state: Any, api: ModelAPI, result: Any, duration: float, retries: int
        ) -> None:
            """The call succeeded: ``result`` is a ``ModelOutput`` or a token count;
            ``duration`` the successful attempt's seconds; ``retries`` made before it."""

        def fail(self, state: Any, api: ModelAPI, error: BaseException) -> None:
            """The call failed for good with ``error``."""

        def cache_hit(self, api: ModelAPI, output: ModelOutput) -> None:
            """The response cache answered a call (nothing was sent)."""

        def settle(self, api: ModelAPI, output: ModelOutput) -> None:
            """A call's output from the provider is counted (model usage, cache):
            raises ``LimitExceededError`` if its usage crossed a limit."""

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

    __slots__ = ("ended", "request", "states")

    def __init__(self, states: List[Tuple[Observer, Any]], request: GenerateRequest) -> None:
        self.states = states
        self.request = request
        self.ended = False

    def retry(self, api: ModelAPI, error: BaseException, attempt: int, wait: float) -> None:
        """Tell every observer attempt ``attempt`` failed and the next comes in ``wait`` s."""
        for observer, state in self.states:
            observer.retry(state, api, error, attempt, wait)

    def attempt(self, api: ModelAPI, number: int) -> None:
        """Tell every observer attempt ``number`` is about to be sent (one may refuse it)."""
        for observer, state in self.states:
            observer.attempt(state, api, self.request, number)

    def finish(self, api: ModelAPI, result: Any, duration: float, retries: int) -> None:
        """Tell every observer the call succeeded (all of them, even if one raises)."""
        self.ended = True
        raised: Optional[BaseException] = None
        for observer, state in self.states:
            try:
                observer.finish(state, api, result, duration, retries)
            except BaseException as error:  # a hook's LimitExceededError
                raised = raised or error
        if raised is not None:
            raise raised

    def fail(self, api: ModelAPI, error: BaseException) -> None:
        """Tell every observer the call failed (once; not after ``finish``)."""
        if self.ended:
            return
        self.ended = True
        for observer, state in self.states:
            observer.fail(state, api, error)


def before(api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
    """Tell the observers a generate or stream was asked for (ahead of the cache)."""
    for observer in observers:
        observer.before(api, request, cache_write)


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
            Observed(states, request).fail(api, error)
            raise
    return Observed(states, request)


def cache_hit(api: ModelAPI, output: ModelOutput) -> None:
    """Tell the observers the response cache answered a call."""
    for observer in observers:
        observer.cache_hit(api, output)


def settle(api: ModelAPI, output: ModelOutput) -> None:
    """Tell the observers a call's output from the provider is counted.

    Raises:
        LimitExceededError: the call's usage crossed a usage limit.
    """
    for observer in observers:
        observer.settle(api, output)
