"""The events of a streamed generation, and the stream a provider hands the engine.

``Model.stream`` yields these in order: ``TextDelta``, ``ReasoningDelta``
and ``ToolCallDelta`` as the answer arrives, then one ``StreamEnd`` carrying
the complete ``ModelOutput`` (equal to what ``generate`` returns for the
same answer). Each event has a ``type`` (``"text"``, ``"reasoning"``,
``"tool_call"``, ``"end"``) for code that prefers matching on a string.

A provider's ``ModelAPI.stream`` returns an ``APIStream``: an iterator of
deltas that ``finish()`` turns into the final output once exhausted.
``ReplayStream`` replays a finished output as deltas: the default for
providers that cannot stream, cache hits, and mockllm.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Literal, Optional, Union

import attrs

from .output import ModelCall, ModelOutput

__all__ = [
    "APIStream",
    "ReasoningDelta",
    "ReplayStream",
    "StreamEnd",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "output_deltas",
    "output_from_deltas",
]


@attrs.frozen
class TextDelta:
    """More text of choice ``choice``'s answer."""

    text: str
    choice: int = 0
    type: Literal["text"] = "text"


@attrs.frozen
class ReasoningDelta:
    """More of the model's reasoning (``signature``: its signature, when the API sends one)."""

    text: str = ""
    signature: Optional[str] = None
    choice: int = 0
    type: Literal["reasoning"] = "reasoning"


@attrs.frozen
class ToolCallDelta:
    """A piece of the ``index``-th tool call: its id and name (first piece), argument text."""

    index: int
    id: Optional[str] = None
    function: Optional[str] = None
    arguments: str = ""
    choice: int = 0
    type: Literal["tool_call"] = "tool_call"


@attrs.frozen
class StreamEnd:
    """The stream finished: ``output`` is the complete ``ModelOutput``."""

    output: ModelOutput
    type: Literal["end"] = "end"


StreamDelta = Union[TextDelta, ReasoningDelta, ToolCallDelta]
StreamEvent = Union[TextDelta, ReasoningDelta, ToolCallDelta, StreamEnd]


class APIStream:
    """What a provider's ``stream`` returns: deltas, then ``finish()``.

    Iterating yields the deltas as they arrive and raises ``APIError``
    (``ResponseFormatError`` for a malformed event) when the stream fails.
    ``partial()`` is the output so far, for errors raised mid-stream.
    ``close()`` drops the connection at once; it is safe to call twice.
    """

    call: Optional[ModelCall] = None

    def __iter__(self) -> Iterator[StreamDelta]:
        raise NotImplementedError

    def finish(self) -> ModelOutput:
        """The complete output (call once iteration has ended)."""
        raise NotImplementedError

    def partial(self) -> Optional[ModelOutput]:
        """The output received so far, or ``None`` when nothing can be made of it."""
        return None

    def close(self) -> None:
        """Release the connection (no-op by default)."""

    def extend(self, timeout: Optional[float]) -> None:
        """Let the stream run ``timeout`` seconds from its request (``None``: the default).

        ``StreamRun`` opens an attempt with ``attempt_timeout`` as its time
        limit and, once the first delta arrived, gives the rest of the stream
        the call's remaining time. No-op by default (streams without a clock).
        """


class ReplayStream(APIStream):
    """A finished output played back as deltas."""

    def __init__(self, output: ModelOutput, call: Optional[ModelCall] = None) -> None:
        self.output = output
        self.call = call if call is not None else output.call

    def __iter__(self) -> Iterator[StreamDelta]:
        return iter(output_deltas(self.output))

    def finish(self) -> ModelOutput:
        return self.output

    def partial(self) -> Optional[ModelOutput]:
        return self.output


def output_deltas(output: ModelOutput) -> List[StreamDelta]:
    """The deltas that stream ``output``: per choice, its reasoning, text and tool calls."""
    deltas: List[StreamDelta] = []
    for number, choice in enumerate(output.choices):
        message = choice.message
        for part in message.content if isinstance(message.content, list) else []:
            if part.type == "reasoning":
                deltas.append(ReasoningDelta(part.reasoning, part.signature, choice=number))
        if message.reasoning and not any(isinstance(d, ReasoningDelta) for d in deltas):
            deltas.append(ReasoningDelta(message.reasoning, choice=number))
        if message.text:
            deltas.append(TextDelta(message.text, choice=number))
        for index, call in enumerate(message.tool_calls or []):
            arguments = call.raw_arguments if call.parse_error else _json(call.arguments)
            deltas.append(ToolCallDelta(index, call.id, call.function, arguments or "", number))
    return deltas


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def output_from_deltas(deltas: Iterable[StreamDelta], model: str) -> ModelOutput:
    """The output that ``deltas`` add up to (for scripted streams, e.g. mockllm's).

    Per choice: reasoning first (a ``ContentReasoning`` part), then the text;
    tool calls with their argument text parsed as JSON. The stop reason is
    ``tool_calls`` when there are any, else ``stop``.
    """
    import json

    from .messages import ChatMessageAssistant, ContentReasoning, ContentText
    from .output import ChatCompletionChoice
    from .tools._types import ToolCall

    texts: Dict[int, List[str]] = {}
    thoughts: Dict[int, List[str]] = {}
    signatures: Dict[int, Optional[str]] = {}
    calls: Dict[int, Dict[int, Dict[str, Any]]] = {}
    for delta in deltas:
        if isinstance(delta, TextDelta):
            texts.setdefault(delta.choice, []).append(delta.text)
        elif isinstance(delta, ReasoningDelta):
            thoughts.setdefault(delta.choice, []).append(delta.text)
            signatures[delta.choice] = delta.signature or signatures.get(delta.choice)
        else:
            call = calls.setdefault(delta.choice, {}).setdefault(
                delta.index, {"id": None, "function": [], "arguments": []}
            )
            call["id"] = call["id"] or delta.id
            call["function"].append(delta.function or "")  # pieces, joined once below
            call["arguments"].append(delta.arguments)
    choices = []
    for number in sorted(set(texts) | set(thoughts) | set(calls)) or [0]:
        text = "".join(texts.get(number, []))
        content: Any = text
        if number in thoughts:
            reasoning = ContentReasoning("".join(thoughts[number]), signatures.get(number))
            content = [reasoning, ContentText(text=text)] if text else [reasoning]
        tool_calls = []
        for index, call in sorted(calls.get(number, {}).items()):
            call["function"] = "".join(call["function"])
            raw = call["arguments"] = "".join(call["arguments"])
            call_id = call["id"] or f"call_{index}"
            try:
                arguments = json.loads(raw) if raw.strip() else {}
                if not isinstance(arguments, dict):
                    raise ValueError(f"not a JSON object: {raw!r}")
                tool_calls.append(
                    ToolCall(id=call_id, function=call["function"], arguments=arguments)
                )
            except ValueError as exc:
                tool_calls.append(
                    ToolCall(
                        id=call_id,
                        function=call["function"],
                        parse_error=f"tool call arguments are not valid JSON ({exc})",
                        raw_arguments=raw,
                    )
                )
        message = ChatMessageAssistant(
            content=content, tool_calls=tool_calls or None, model=model, source="generate"
        )
        choices.append(
            ChatCompletionChoice(
                message=message, stop_reason="tool_calls" if tool_calls else "stop"
            )
        )
    return ModelOutput(model=model, choices=choices)
