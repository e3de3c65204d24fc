"""``ModelStream``: what ``Model.stream`` returns, a context manager and iterator of events.

It looks the request up in the response cache first (a hit is replayed
as deltas and a ``StreamEnd``, without a request), else runs the engine's
``StreamRun``; when the stream ends, the output is added to the model's
usage and stored in the cache. Breaking out of the ``for`` loop, leaving
the ``with`` block or calling ``close()`` drops the connection and frees
its connection slot at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from ._events import StreamEnd, StreamEvent, TextDelta, output_deltas

if TYPE_CHECKING:
    from ._engine.stream import StreamRun
    from ._prepare import GenerateRequest
    from .api import ModelAPI
    from .cache._policy import CachePolicy
    from .output import ModelOutput, ModelUsage

__all__ = ["ModelStream"]


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
    ) -> None:
        self._api = api
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
        from ._engine.stream import StreamRun

        api, request, policy = self._api, self._request, self._policy
        key = None
        if policy is not None:
            from .cache import _lookup

            key = _lookup.key_for(api, request, policy)
            hit = None if key is None else _lookup.fetch_key(api, key, claim_miss=True)
            if hit is not None:
                yield from output_deltas(hit)
                self.output = hit
                yield StreamEnd(hit)
                return
        self._run = run = StreamRun(api, request)
        try:
            for event in run:
                if isinstance(event, StreamEnd):
                    self._add_usage(event.output.usage)
                    if key is not None and policy is not None:
                        from .cache import _lookup

                        _lookup.store_key(api, key, policy.expiry_seconds, event.output)
                    self.output = event.output
                yield event
        finally:
            if key is not None and self.output is None:
                from .cache import _lookup

                _lookup.abandon_key(api, key)  # others waiting on the entry go ahead

    def close(self) -> None:
        """Drop the connection and free its slot (safe to call twice)."""
        if self._run is not None:
            self._run.close()

    def __enter__(self) -> ModelStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "ended" if self.output is not None else "open"
        return f"<ModelStream {self._api.provider}/{self._api.model_name} {state}>"
