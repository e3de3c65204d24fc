"""The events ``generate(..., on_stream=handler)`` hands its handler, as Inspect names them.

``StreamTextEvent`` (more text), ``StreamReasoningEvent`` (more
reasoning), ``StreamToolCallEvent`` (a piece of a tool call's arguments,
with the call's id and function name) and ``StreamRetryEvent`` (what came
so far belongs to a failed attempt: discard it). A ``StreamHandler`` is a
function of one event, plain or ``async def``. These are Inspect's
``on_stream`` events; ``Model.stream`` yields modelkit's own
(``TextDelta``, ..., ``StreamEnd``, in ``_events``) from the same decoder.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, ClassVar, Literal, Optional, Tuple, Union

import attrs

from ._serde import Serializable

__all__ = [
    "OnStreamEvent",
    "StreamHandler",
    "StreamReasoningEvent",
    "StreamRetryEvent",
    "StreamTextEvent",
    "StreamToolCallEvent",
]


@attrs.define(kw_only=True)
class StreamTextEvent(Serializable):
    """Incremental text of a streaming response.

    Args:
        text: the fragment (append it to the text received before).
    """

    text: str
    type: Literal["text"] = "text"

    _dump_first: ClassVar[Tuple[str, ...]] = ("type", "text")


@attrs.define(kw_only=True)
class StreamReasoningEvent(Serializable):
    """Incremental reasoning of a streaming response.

    Args:
        reasoning: the fragment (append it to the reasoning received before).
    """

    reasoning: str
    type: Literal["reasoning"] = "reasoning"

    _dump_first: ClassVar[Tuple[str, ...]] = ("type", "reasoning")


@attrs.define(kw_only=True)
class StreamToolCallEvent(Serializable):
    """A piece of a tool call of a streaming response.

    Args:
        id: the id of the call the piece belongs to (when the API gave it).
        function: the name of the function called (when the API gave it).
        arguments: the piece of argument JSON (append it to the pieces of
            the same call; the JSON is complete once the call is).
    """

    id: Optional[str] = None
    function: Optional[str] = None
    arguments: str = ""
    type: Literal["tool_call"] = "tool_call"

    _dump_first: ClassVar[Tuple[str, ...]] = ("type", "id", "function", "arguments")


@attrs.define(kw_only=True)
class StreamRetryEvent(Serializable):
    """The call is being tried again after an attempt that streamed something.

    Sent before the new attempt's events: whatever arrived so far belongs
    to the failed attempt and should be discarded; the returned
    ``ModelOutput`` is the successful attempt's alone.

    Args:
        attempt: the attempt about to run (1-based: the first retry is 2).
    """

    attempt: int
    type: Literal["retry"] = "retry"

    _dump_first: ClassVar[Tuple[str, ...]] = ("type", "attempt")


OnStreamEvent = Union[StreamTextEvent, StreamReasoningEvent, StreamToolCallEvent, StreamRetryEvent]
"""What an ``on_stream`` handler receives (Inspect calls this union ``StreamEvent``)."""

StreamHandler = Callable[[OnStreamEvent], Union[Awaitable[Any], None]]
"""A callback for ``on_stream``: a plain function or an ``async def`` of one event."""
