"""``ModelStream``: what ``Model.stream`` returns, a context manager and iterator of events.

It looks the request up in the response cache first (a hit is replayed
as deltas and a ``StreamEnd``, without a request), else runs the engine's
``StreamRun``; when the stream ends, the output is added to the model's
usage and stored in the cache. Breaking out of the ``for`` loop, leaving
the ``with`` block or calling ``close()`` drops the connection and frees
its connection slot at once.

``fallback_models`` and ``fail_on_refusal`` apply as in ``generate``, within
what a stream allows: when the model fails (after its retries) before the
first event was delivered, each fallback's stream is tried in turn, its
``StreamEnd`` output naming both models in ``fallback``; once an event was
delivered a failure raises with the partial output (no fallback: the
caller has already seen the answer start). A refusal is only known at the
end, so it does not move to a fallback; with ``fail_on_refusal`` the
stream raises ``ModelRefusalError`` in place of its ``StreamEnd``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional

import attrs

from ._engine import observe
from ._events import StreamEnd, StreamEvent, TextDelta, output_deltas
from .errors import APIError

if TYPE_CHECKING:
    from ._engine.stream import StreamRun
    from ._prepare import GenerateRequest
    from .api import ModelAPI
    from .cache._policy import CachePolicy
    from .config import GenerateConfig
    from .output import ModelOutput, ModelUsage

__all__ = ["AsyncModelStream", "ModelStream"]

logger = logging.getLogger("modelkit")

AskFallback = Callable[[str, "GenerateConfig"], "ModelStream"]


class ModelStream:
    """A streamed generation: iterate it for events; ``output`` once it ended.

    Events are ``TextDelta``, ``ReasoningDelta``, ``ToolCallDelta`` and, last,
    ``StreamEnd`` (whose ``output`` is also ``self.output``). Iterate once.
    """

    def __init__(
        self,
        api: ModelAPI,
        request: GenerateRequest,
        policy: Optional[CachePolicy],
        add_usage: Callable[[Optional[ModelUsage]], None],
        ask: Optional[AskFallback] = None,
        role: Optional[str] = None,
    ) -> None:
        self._api = api
        self._ask = ask
        self._role = role
        self._fallback: Optional[ModelStream] = None
        self._add_usage = add_usage
        self._request = request
        self._policy = policy
        self._run: Optional[StreamRun] = None
        self._iterated = False
        self.output: Optional[ModelOutput] = None
        """The complete output, once the last event (``StreamEnd``) was yielded."""

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iterated:
            raise RuntimeError("a ModelStream can be iterated only once")
        self._iterated = True
        return self._events()

    def text(self) -> Iterator[str]:
        """Only the text deltas' text (of the first choice), as it arrives."""
        for event in self:
            if isinstance(event, TextDelta) and event.choice == 0:
                yield event.text

    def final_output(self) -> ModelOutput:
        """Read the rest of the stream and return the complete output."""
        if not self._iterated:
            for _ in self:
                pass
        if self.output is None:
            raise RuntimeError("the stream was closed before it ended: no output")
        return self.output

    def _events(self) -> Iterator[StreamEvent]:
        """This model's events, else a fallback's (before the first event), then the refusal check."""
        from ._fallback import check_refusal, refused
        from .output import ModelFallback

        config = self._request.config
        primary = f"{self._api.provider}/{self._api.model_name}"
        fallbacks: List[str] = list(config.fallback_models or []) if self._ask else []
        source: Iterator[StreamEvent] = self._own_events()
        name: Optional[str] = None
        delivered = False
        failed: Optional[APIError] = None
        while True:
            try:
                for event in source:
                    if isinstance(event, StreamEnd):
                        if name is not None:
                            event.output.fallback = ModelFallback(
                                model=primary, fallback_model=name
                            )
                        self.output = event.output
                        if config.fail_on_refusal and refused(event.output):
                            self.close()  # read to its end: the connection goes back to the pool
                            check_refusal(event.output, True, primary, self._role)
                    delivered = True
                    yield event
                return
            except APIError as error:
                if failed is not None and error.__context__ is None:
                    error.__context__ = failed  # the model asked before it, as generate keeps it
                failed = error
                if delivered or not fallbacks:
                    raise
                name = fallbacks.pop(0)
                logger.info(
                    "modelkit: %s failed (%s: %s); trying fallback %s",
                    primary,
                    type(error).__name__,
                    error.message,
                    name,
                )
                assert self._ask is not None
                # fallbacks never chain; fail_on_refusal is checked here, on the answer returned
                settings = attrs.evolve(config, fallback_models=None, fail_on_refusal=None)
                self._close_fallback()
                self._fallback = self._ask(name, settings)
                source = iter(self._fallback)

    def _close_fallback(self) -> None:
        if self._fallback is not None:
            self._fallback.close()

    def _own_events(self) -> Iterator[StreamEvent]:
        from ._engine.stream import StreamRun

        api, request, policy = self._api, self._request, self._policy
        key = None
        if observe.observers:  # hooks see (and may change) the request before the cache does
            observe.before(api, request, policy is not None)
        if policy is not None:
            from .cache import _lookup

            key = _lookup.key_for(api, request, policy)
            hit = None if key is None else _lookup.fetch_key(api, key, claim_miss=True)
            if hit is not None:
                yield from output_deltas(hit)
                self.output = hit
                yield StreamEnd(hit)
                return
        self._run = run = StreamRun(api, request, cache_write=key is not None)
        try:
            for event in run:
                if isinstance(event, StreamEnd):
                    self._add_usage(event.output.usage)
                    if key is not None and policy is not None:
                        from .cache import _lookup

                        _lookup.store_key(api, key, policy.expiry_seconds, event.output)
                    self.output = event.output
                    if observe.observers:  # counted: a usage limit it crossed raises now
                        observe.settle(api, event.output)
                yield event
        finally:
            if key is not None and self.output is None:
                from .cache import _lookup

                _lookup.abandon_key(api, key)  # others waiting on the entry go ahead

    def close(self) -> None:
        """Drop the connection and free its slot (safe to call twice)."""
        try:
            if self._run is not None:
                self._run.close()
        finally:
            self._close_fallback()

    def __enter__(self) -> ModelStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "ended" if self.output is not None else "open"
        return f"<ModelStream {self._api.provider}/{self._api.model_name} {state}>"


class AsyncModelStream:
    """``Model.stream_async``: a ``ModelStream`` for asyncio, run on worker threads.

    ``async with model.stream_async(...) as stream: async for event in
    stream: ...``, then ``stream.output``. Opening (checking the input,
    the cache lookup) and each wait for the next event run the synchronous
    stream on the shared worker pool (``run_in_thread``), so there is one
    code path. Leaving the block early, an exception or the task's
    cancellation closes the stream: the connection is dropped and its slot
    freed, also while a worker is blocked reading it.
    """

    def __init__(self, open_stream: Callable[[], ModelStream]) -> None:
        self._open = open_stream
        self._stream: Optional[ModelStream] = None
        self._events: Optional[Iterator[StreamEvent]] = None

    @property
    def output(self) -> Optional[ModelOutput]:
        """The complete output, once the last event (``StreamEnd``) was delivered."""
        return self._stream.output if self._stream is not None else None

    async def __aenter__(self) -> AsyncModelStream:
        from ._engine.pool import run_in_thread

        if self._stream is None:
            self._stream = await run_in_thread(self._open)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Drop the connection and free its slot (safe to call twice)."""
        if self._stream is not None:
            self._stream.close()  # cuts the socket: a worker blocked on it returns at once

    def __aiter__(self) -> AsyncModelStream:
        return self

    async def __anext__(self) -> StreamEvent:
        from ._engine.pool import run_in_thread

        if self._stream is None:
            await self.__aenter__()
        assert self._stream is not None
        if self._events is None:
            self._events = iter(self._stream)
        events = self._events
        event = await run_in_thread(lambda: next(events, None))
        if event is None:
            raise StopAsyncIteration
        return event

    def __repr__(self) -> str:
        inner = repr(self._stream) if self._stream is not None else "<not opened>"
        return f"<AsyncModelStream {inner}>"
