"""``generate(..., on_stream=handler)``: a generation streamed to a callback, as Inspect does it.

The request goes down the same path ``Model.stream`` takes (the engine's
``StreamRun`` over the provider's stream decoder), and the call returns
the output ``generate`` returns without a handler. On the way the handler
gets Inspect's events (``_stream_events``) for the first choice:

- text, reasoning and tool-call pieces as they arrive (empty pieces are
  not sent; a tool-call piece carries its call's id and name each time);
- ``StreamRetryEvent(attempt=n)`` before attempt ``n`` when an earlier
  attempt (or a model tried before a fallback) already sent something: a
  failure mid-stream is retried as a whole, under the call's retry policy
  and deadline, like a call without a handler;
- nothing for a cache hit, and nothing when the provider does not stream
  (its answer played back whole, as a custom ``ModelAPI`` without
  ``stream``): Inspect calls the handler only with what streamed.

A handler is display-only: when it raises an ``Exception`` the error is
logged (WARNING on the ``modelkit`` logger, with its traceback) and the
handler is dropped for the rest of that call; the call itself goes on
and returns its output. ``BaseException`` (``KeyboardInterrupt``) is not
caught. An ``async def`` handler runs on the caller's event loop under
``generate_async``; under the synchronous ``generate``, on one event loop
of its own for the whole call.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple

from ._events import ReasoningDelta, StreamDelta, StreamEnd, TextDelta, ToolCallDelta
from ._stream_events import (
    OnStreamEvent,
    StreamHandler,
    StreamReasoningEvent,
    StreamRetryEvent,
    StreamTextEvent,
    StreamToolCallEvent,
)

if TYPE_CHECKING:
    import asyncio

    from ._prepare import GenerateRequest
    from .api import ModelAPI
    from .output import ModelOutput

__all__ = ["StreamObserver", "stream_output"]

logger = logging.getLogger("modelkit")


class StreamObserver:
    """One call's handler: events in, attempts counted, a raising handler dropped.

    Spans every attempt of the call and the fallback models tried after it.

    Args:
        handler: the caller's ``on_stream`` function (plain or ``async def``).
        model: the model's name, for the log line of a handler that raised.
        loop: the event loop an ``async def`` handler runs on (the caller's,
            under ``generate_async``); ``None``: one of the observer's own.
    """

    def __init__(
        self,
        handler: StreamHandler,
        model: str,
        loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> None:
        if not callable(handler):
            from .errors import ConfigError

            raise ConfigError(
                f"on_stream must be a function of one event (plain or async def), "
                f"got {type(handler).__name__}"
            )
        self._handler: Optional[StreamHandler] = handler
        self._model = model
        self._loop = loop
        self._own_loop: Optional[asyncio.AbstractEventLoop] = None
        self._attempt = 0
        self._delivered = False
        self._calls: Dict[int, Tuple[Optional[str], Optional[str]]] = {}

    def __call__(self, event: OnStreamEvent) -> None:
        """Hand ``event`` to the handler (so an observer passes where a handler does)."""
        self._deliver(event)

    def begin_attempt(self, number: int = 0) -> None:
        """An attempt is about to run: announce it if earlier ones sent anything."""
        self._attempt += 1
        self._calls = {}
        if self._attempt > 1 and self._delivered:
            self._deliver(StreamRetryEvent(attempt=self._attempt))

    def delta(self, delta: StreamDelta) -> None:
        """Send one of the decoder's deltas (first choice only) as Inspect's event."""
        if self._handler is None or delta.choice != 0:
            return
        event: OnStreamEvent
        if isinstance(delta, TextDelta):
            if not delta.text:
                return
            event = StreamTextEvent(text=delta.text)
        elif isinstance(delta, ReasoningDelta):
            if not delta.text:
                return
            event = StreamReasoningEvent(reasoning=delta.text)
        else:
            event = self._tool_call(delta)
        self._delivered = True
        self._deliver(event)

    def _tool_call(self, delta: ToolCallDelta) -> StreamToolCallEvent:
        call_id, function = self._calls.get(delta.index, (None, None))
        call_id, function = delta.id or call_id, delta.function or function
        self._calls[delta.index] = (call_id, function)
        return StreamToolCallEvent(id=call_id, function=function, arguments=delta.arguments)

    def _deliver(self, event: OnStreamEvent) -> None:
        handler = self._handler
        if handler is None:
            return
        try:
            result = handler(event)
            if result is not None and hasattr(result, "__await__"):
                self._wait(result)
        except Exception:
            self._handler = None
            logger.warning(
                "on_stream handler raised an exception; streaming callbacks are disabled "
                "for the remainder of this %s generate call",
                self._model,
                exc_info=True,
            )

    def _wait(self, awaitable: Any) -> None:
        """Run an ``async def`` handler's coroutine to its end."""
        import asyncio

        async def wait() -> Any:
            return await awaitable

        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(wait(), self._loop).result()
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the common case: no loop runs in this thread
            if self._own_loop is None:
                self._own_loop = asyncio.new_event_loop()
            self._own_loop.run_until_complete(wait())
            return
        from ._engine.pool import resolve

        resolve(wait())  # this thread runs a loop already: on one in a helper thread

    def close(self) -> None:
        """Close the event loop made for ``async def`` handlers, if any."""
        if self._own_loop is not None:
            self._own_loop.close()
            self._own_loop = None


def stream_output(
    api: ModelAPI, request: GenerateRequest, observer: StreamObserver, cache_write: bool = False
) -> ModelOutput:
    """Generate ``request`` through the provider's stream, feeding ``observer``.

    ``cache_write``: the output will be stored in the response cache (for
    the engine's observers, as ``run_request`` takes it).

    Raises:
        APIError: the last attempt's error, as ``run_request`` raises it.
    """
    from ._engine.stream import StreamRun

    deliver: Callable[[StreamDelta], None] = observer.delta
    run = StreamRun(api, request, cache_write=cache_write, on_attempt=observer.begin_attempt)
    try:
        for event in run:
            if isinstance(event, StreamEnd):
                return event.output
            if not run.replayed:
                deliver(event)
    finally:
        run.close()
    raise AssertionError("a stream run ends with StreamEnd")  # pragma: no cover
