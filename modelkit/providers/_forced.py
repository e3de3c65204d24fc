"""Structured output through a forced tool call, for APIs without a native JSON-Schema mode.

The request gets one tool whose input schema is the ``ResponseSchema``
and a ``tool_choice`` forcing it; the answer's call to that tool becomes
the completion: its input as JSON text, the stop reason ``stop``. Used by
Anthropic models without native structured outputs and by Bedrock. A
caller's own tools cannot share the turn (the model must call this one),
so they are refused with a ``ConfigError``.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional

import attrs

from .._events import StreamDelta, TextDelta, ToolCallDelta
from ..config import ResponseSchema
from ..errors import ConfigError
from ..messages import ChatMessageAssistant, Content, ContentText
from ..output import ModelOutput

__all__ = ["answer_from_tool", "check_forced", "text_deltas"]


def check_forced(provider: str, schema: ResponseSchema, has_tools: bool, thinking: bool) -> None:
    """Refuse what a forced tool call cannot serve.

    Raises:
        ConfigError: tools given too, or thinking on (a forced tool choice
            and extended thinking cannot be combined).
    """
    if has_tools:
        raise ConfigError(
            f"{provider}: response_schema is served by a forced tool call on this model, so it "
            "cannot be combined with tools; call the tools first, then ask for the structured answer"
        )
    if thinking:
        raise ConfigError(
            f"{provider}: response_schema is served by a forced tool call on this model, which "
            "the API does not allow with thinking; unset reasoning_tokens/reasoning_effort"
        )


def answer_from_tool(output: ModelOutput, name: str) -> ModelOutput:
    """``output`` with its call of tool ``name`` turned into the JSON completion."""
    for number, choice in enumerate(output.choices):
        message = choice.message
        forced = [c for c in message.tool_calls or [] if c.function == name]
        if not forced:
            continue
        call = forced[0]
        text = call.raw_arguments if call.parse_error else json.dumps(call.arguments)
        kept: List[Content] = (
            [
                part
                for part in message.content
                if isinstance(message.content, list) and part.type == "reasoning"
            ]
            if isinstance(message.content, list)
            else []
        )
        content: Any = [*kept, ContentText(text=text or "")] if kept else text or ""
        others = [c for c in message.tool_calls or [] if c is not call]
        answer = ChatMessageAssistant(
            content=content, tool_calls=others or None, model=message.model, source=message.source
        )
        stop = "stop" if choice.stop_reason == "tool_calls" and not others else choice.stop_reason
        output.choices[number] = attrs.evolve(choice, message=answer, stop_reason=stop)
    return output


def text_deltas(deltas: List[StreamDelta], forced_index: Optional[int]) -> List[StreamDelta]:
    """The forced tool call's argument fragments as text deltas (the answer as it streams)."""
    if forced_index is None:
        return deltas
    return [
        TextDelta(d.arguments, d.choice)
        if isinstance(d, ToolCallDelta) and d.index == forced_index
        else d
        for d in deltas
        if not (isinstance(d, ToolCallDelta) and d.index == forced_index and not d.arguments)
    ]
